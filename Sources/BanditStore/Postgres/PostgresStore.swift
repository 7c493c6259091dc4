public import BanditCore
import Foundation
public import Logging
import PostgresNIO
import Synchronization

/// PostgreSQL, shared by several proxy instances (`"storage": "postgres://…"`).
///
/// The same tables as SQLite. Each instance adds its increments (`views = views + $n`), one
/// transaction per batch, so concurrent instances add up and a batch is applied whole or not
/// at all. A batch first locks the experiments it touches, in name order, and drops what
/// another instance has overtaken (`withoutStaleWrites`).
public final class PostgresStore: StateStore {
    /// The schema this binary writes; newer ones are refused. PostgreSQL's numbers are its
    /// own: its first schema already has what SQLite's second added (confirmed views,
    /// experiment versions).
    /// 1: counts, states, hourly series, history, writers. 2: counts by segment.
    static let schemaVersion = 2

    public let url: PostgresURL
    private let client: PostgresClient
    private let clientRun: Task<Void, Never>
    let logger: Logger
    /// How long an operation may wait for a pooled connection before it fails (and health
    /// says so) instead of waiting for the pool's own minute-long patience.
    private let connectionWait: Duration
    private let watch = ConnectionWatch()
    /// Names this process's batches in the `writers` table.
    private let writerID = UUID().uuidString
    private let commits = Mutex<(next: Int, unacknowledged: UnacknowledgedCommit?, alreadyStored: StoreBatch?)>(
        (1, nil, nil))
    /// Tests set it to lose the acknowledgement of the next commit that succeeds.
    let dropNextAcknowledgement = Mutex(false)

    public var isShared: Bool { true }

    private init(url: PostgresURL, client: PostgresClient, clientRun: Task<Void, Never>, logger: Logger, wait: Duration)
    {
        self.url = url
        self.client = client
        self.clientRun = clientRun
        self.logger = logger
        self.connectionWait = wait
    }

    /// Connects, creates or checks the schema, and returns the store.
    ///
    /// PostgreSQL that cannot be reached at start is an error, not an empty start: the
    /// instance would have no session secret (so the cookies of the other instances would
    /// not verify and their visitors would be re-randomised), would not know decided or
    /// paused experiments, and could not tell whether the arms changed. The error names the
    /// server and why, and `bandit-proxy` exits 1, as for any other configuration problem;
    /// a process supervisor restarts it once the database is up.
    public static func open(
        url text: String, logger: Logger = Logger(label: "bandit-proxy.postgres"),
        connectionWait: Duration = .seconds(5)
    ) async throws -> PostgresStore {
        let url: PostgresURL
        switch PostgresURL.parse(text) {
        case .success(let parsed): url = parsed
        case .failure(let error): throw StoreError("the PostgreSQL URL \(error)")
        }
        if let problem = await PostgresConnecting.probe(url, logger: quiet(logger)) {
            throw StoreError("cannot connect to PostgreSQL at \(url.host):\(url.port) (\(url)): \(problem)")
        }
        let client = PostgresClient(
            configuration: PostgresConnecting.clientConfiguration(url), backgroundLogger: quiet(logger))
        let clientRun = Task { await client.run() }
        let store = PostgresStore(url: url, client: client, clientRun: clientRun, logger: logger, wait: connectionWait)
        do {
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// The pool reports every failed reconnection; the keeper already says it once.
    private static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        return quiet
    }

    /// Runs `body` on a pooled connection, turning failures into messages naming the server.
    /// `patience` replaces the usual wait for a connection (the start can afford more).
    func withConnection<Value: Sendable>(
        patience: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let wait = patience ?? connectionWait
        do {
            return try await client.withConnection(within: wait, watch: watch, body)
        } catch is PostgresClient.NoConnection {
            let reason = await PostgresConnecting.probe(url, logger: Self.quiet(logger)) ?? "the pool is busy"
            throw StoreError(
                "no connection to PostgreSQL at \(url.host):\(url.port) within \(wait): \(reason)")
        } catch {
            throw StoreError("PostgreSQL at \(url.host):\(url.port): \(PostgresConnecting.describe(error))")
        }
    }

    public func load() async throws -> StoredState {
        try await withConnection { [logger] connection in
            try await connection.transaction(logger: logger) { connection in
                // One snapshot for both tables: a reset between them would mix two versions.
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
                var state = StoredState()
                let experiments = try await connection.query(
                    "SELECT name, status, winner, generation, arms, version FROM experiments", logger: logger)
                for try await (name, status, winner, generation, arms, version) in experiments.decode(
                    (String, String, String?, Int, String?, Int?).self)
                {
                    state.experiments[name] = StoredExperiment(
                        status: ExperimentStatus(rawValue: status) ?? .running, winner: winner, generation: generation,
                        armNames: arms.flatMap { $0.isEmpty ? nil : $0.components(separatedBy: "\n") },
                        version: version)
                }
                let counts = try await connection.query(
                    "SELECT experiment, arm, assignments, views, conversions, confirmed_views FROM arm_counts",
                    logger: logger)
                for try await (experiment, arm, assignments, views, conversions, confirmed) in counts.decode(
                    (String, String, Int, Int, Int, Int).self)
                {
                    state.experiments[experiment, default: StoredExperiment()].arms[arm] = ArmCounts(
                        assignments: assignments, views: views, conversions: conversions, confirmedViews: confirmed)
                }
                let segments = try await connection.query(
                    "SELECT experiment, segment, value, arm, views, conversions FROM segment_counts", logger: logger)
                for try await (experiment, segment, value, arm, views, conversions) in segments.decode(
                    (String, String, String, String, Int, Int).self)
                {
                    state.experiments[experiment, default: StoredExperiment()].segments[
                        SegmentKey(segment: segment, value: value, arm: arm)] = SegmentTally(
                            views: views, conversions: conversions)
                }
                return state
            }
        }
    }

    public func write(_ batch: StoreBatch) async throws {
        guard !batch.isEmpty else { return }
        let (number, unacknowledged) = commits.withLock { commits in
            defer { commits.next += 1 }
            return (commits.next, commits.unacknowledged)
        }
        let sent = SentBatch()
        let progress = TransactionProgress()
        do {
            try await withConnection { [self] connection in
                try await connection.transaction(logger: logger, progress: progress) { connection in
                    let current = try await Self.lockExperiments(batch.touchedExperiments, on: connection, logger)
                    var batch = batch.withoutStaleWrites(current: current)
                    if let unacknowledged {
                        let rows = try await connection.query(
                            "SELECT last_batch FROM writers WHERE id = \(writerID)", logger: logger)
                        var last = 0
                        for try await value in rows.decode(Int.self) { last = value }
                        commits.withLock { commits in
                            if last >= unacknowledged.number {
                                commits.alreadyStored =
                                    commits.alreadyStored.map { $0.merged(with: unacknowledged.batch) }
                                    ?? unacknowledged.batch
                            }
                            commits.unacknowledged = nil
                        }
                    }
                    if let stored = commits.withLock({ $0.alreadyStored }) {
                        batch = batch.subtracting(alreadyStored: stored)
                    }
                    sent.batch.withLock { $0 = batch }
                    try await connection.query(
                        """
                        INSERT INTO writers (id, last_batch) VALUES (\(writerID), \(number))
                        ON CONFLICT (id) DO UPDATE SET last_batch = excluded.last_batch, written_at = now()
                        """, logger: logger)
                    try await PostgresBatchWriter(connection: connection, logger: logger).apply(batch)
                }
            }
        } catch {
            // Only a COMMIT sent and not answered leaves the outcome open; before it, the
            // server rolls the transaction back.
            guard progress.isCommitSent, let sent = sent.batch.withLock({ $0 }) else { throw error }
            commits.withLock { $0.unacknowledged = UnacknowledgedCommit(number: number, batch: sent) }
            throw StoreError("\(error); the commit was not acknowledged, which is checked before the next write")
        }
        if dropNextAcknowledgement.withLock({ drop in
            defer { drop = false }; return drop
        }) {
            commits.withLock {
                $0.unacknowledged = UnacknowledgedCommit(number: number, batch: sent.batch.withLock { $0! })
            }
            throw StoreError(
                "PostgreSQL at \(url.host):\(url.port): the commit was not acknowledged (dropped by a test)")
        }
        // Everything the keeper ever sent is stored now, and it knows so.
        commits.withLock { $0.alreadyStored = nil }
    }

    /// The first key of the per-experiment advisory locks (the two-key space, apart from the
    /// schema lock's single key): "band".
    static let experimentLockClass: Int32 = 0x6261_6e64

    /// Takes a transaction lock per touched experiment, in name order, then reads their state.
    ///
    /// Every batch locks before it touches a row, and in the same order, so two instances never
    /// wait for each other in a cycle (row locks alone cannot do that: an experiment's row does
    /// not exist before its first state is written, and a missing row cannot be locked). What
    /// the read returns cannot change until the batch commits.
    private static func lockExperiments(_ names: [String], on connection: PostgresConnection, _ logger: Logger)
        async throws -> [String: CurrentState]
    {
        // `names` is sorted; unnest keeps that order.
        try await connection.query(
            "SELECT pg_advisory_xact_lock(\(experimentLockClass), hashtext(n)) FROM unnest(\(names)::text[]) AS n",
            logger: logger)
        let rows = try await connection.query(
            "SELECT name, status, generation FROM experiments WHERE name = ANY(\(names))", logger: logger)
        var current: [String: CurrentState] = [:]
        for try await (name, status, generation) in rows.decode((String, String, Int).self) {
            current[name] = CurrentState(status: ExperimentStatus(rawValue: status) ?? .running, generation: generation)
        }
        return current
    }

    public func history(experiment: String) async throws -> [ArchivedVersion] {
        try await withConnection { [logger] connection in
            let rows = try await connection.query(
                "SELECT generation, reason, ended_at, arms FROM history WHERE experiment = \(experiment) ORDER BY id",
                logger: logger)
            var versions: [ArchivedVersion] = []
            for try await (generation, reason, endedAt, text) in rows.decode((Int, String, Int, String).self) {
                guard let arms = try? JSONDecoder().decode([ArchivedVersion.Arm].self, from: Data(text.utf8)) else {
                    continue
                }
                versions.append(
                    ArchivedVersion(
                        experiment: experiment, generation: generation, reason: reason, endedAt: endedAt, arms: arms))
            }
            return versions
        }
    }

    public func series(experiment: String) async throws -> [SeriesPoint] {
        try await withConnection { [logger] connection in
            let rows = try await connection.query(
                """
                SELECT hour, arm, assignments, views, conversions, confirmed_views FROM arm_hourly
                WHERE experiment = \(experiment) ORDER BY hour, arm
                """, logger: logger)
            var points: [SeriesPoint] = []
            for try await (hour, arm, assignments, views, conversions, confirmed) in rows.decode(
                (Int, String, Int, Int, Int, Int).self)
            {
                points.append(
                    SeriesPoint(
                        hour: hour, arm: arm,
                        counts: ArmCounts(
                            assignments: assignments, views: views, conversions: conversions,
                            confirmedViews: confirmed)))
            }
            return points
        }
    }

    /// The first instance to start stores its candidate; every other one reads it back, so a
    /// cookie signed by one instance verifies on all.
    public func sessionSecret(storingIfAbsent candidate: String) async throws -> String {
        try await withConnection { [logger, url] connection in
            try await connection.query(
                "INSERT INTO meta (key, value) VALUES ('session_secret', \(candidate)) ON CONFLICT (key) DO NOTHING",
                logger: logger)
            let rows = try await connection.query("SELECT value FROM meta WHERE key = 'session_secret'", logger: logger)
            // Read to the end: a result left half-read would hold up the pooled connection.
            var secret: String?
            for try await value in rows.decode(String.self) { secret = value }
            guard let secret else { throw StoreError("the session secret could not be read back from \(url)") }
            return secret
        }
    }

    /// The batch as last sent (stale parts dropped, stored parts subtracted).
    private final class SentBatch: Sendable {
        let batch = Mutex<StoreBatch?>(nil)
    }

    public func close() async {
        clientRun.cancel()
        await clientRun.value
    }
}
