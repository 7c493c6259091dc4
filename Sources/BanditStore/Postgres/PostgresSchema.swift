import Logging
import PostgresNIO

extension PostgresStore {
    /// An arbitrary constant: the advisory lock that lets one starting instance at a time
    /// create or check the schema (advisory locks are per database).
    static let schemaLock = 0x6261_6e64_6974  // "bandit"

    /// Creates the tables on first start, or checks that they are not from a newer
    /// bandit-proxy. Several instances starting at once against an empty database take
    /// turns on an advisory lock inside the transaction, so none fails on a half-made table.
    func migrate() async throws {
        // The server answered the probe a moment ago: a slow first connection (password
        // hashing on a busy machine) is worth waiting for here, unlike during a flush.
        try await withConnection(patience: .seconds(30)) { [logger, url] connection in
            try await connection.transaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.schemaLock))", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", logger: logger)
                let rows = try await connection.query(
                    "SELECT value FROM meta WHERE key = 'schema_version'", logger: logger)
                var version = 0
                for try await value in rows.decode(String.self) { version = Int(value) ?? 0 }
                if version > Self.schemaVersion {
                    throw StoreError(
                        "the database \(url.database) at \(url.host):\(url.port) was written by a newer bandit-proxy (schema \(version); this one knows \(Self.schemaVersion)); upgrade bandit-proxy or point storage elsewhere"
                    )
                }
                if version < 1 { try await Self.createVersion1(on: connection, logger: logger) }
                if version < 2 { try await Self.createVersion2(on: connection, logger: logger) }
                // Writer rows only matter while their process may retry; a month is plenty.
                try await connection.query(
                    "DELETE FROM writers WHERE written_at < now() - interval '30 days'", logger: logger)
            }
        }
    }

    /// 2: counts by segment. Forward only, in place: the other tables are untouched.
    private static func createVersion2(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS segment_counts (
                experiment TEXT NOT NULL, segment TEXT NOT NULL, value TEXT NOT NULL, arm TEXT NOT NULL,
                views BIGINT NOT NULL, conversions BIGINT NOT NULL,
                PRIMARY KEY (experiment, segment, value, arm))
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO meta (key, value) VALUES ('schema_version', '2')
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """, logger: logger)
    }

    private static func createVersion1(on connection: PostgresConnection, logger: Logger) async throws {
        let statements: [PostgresQuery] = [
            """
            CREATE TABLE IF NOT EXISTS experiments (
                name TEXT PRIMARY KEY, status TEXT NOT NULL, winner TEXT, generation BIGINT NOT NULL, arms TEXT,
                version BIGINT)
            """,
            """
            CREATE TABLE IF NOT EXISTS arm_counts (
                experiment TEXT NOT NULL, arm TEXT NOT NULL,
                assignments BIGINT NOT NULL, views BIGINT NOT NULL, conversions BIGINT NOT NULL,
                confirmed_views BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (experiment, arm))
            """,
            """
            CREATE TABLE IF NOT EXISTS arm_hourly (
                experiment TEXT NOT NULL, arm TEXT NOT NULL, hour BIGINT NOT NULL,
                assignments BIGINT NOT NULL, views BIGINT NOT NULL, conversions BIGINT NOT NULL,
                confirmed_views BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (experiment, hour, arm))
            """,
            """
            CREATE TABLE IF NOT EXISTS history (
                id BIGSERIAL PRIMARY KEY, experiment TEXT NOT NULL, generation BIGINT NOT NULL,
                reason TEXT NOT NULL, ended_at BIGINT NOT NULL, arms TEXT NOT NULL)
            """,
            // The number of the last batch each process committed: how a commit whose
            // acknowledgement was lost is told apart from one that failed.
            """
            CREATE TABLE IF NOT EXISTS writers (
                id TEXT PRIMARY KEY, last_batch BIGINT NOT NULL, written_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """,
            """
            INSERT INTO meta (key, value) VALUES ('schema_version', '1')
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """,
        ]
        for statement in statements { try await connection.query(statement, logger: logger) }
    }
}
