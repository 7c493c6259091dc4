import BanditCore
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL server named by `BANDIT_TEST_POSTGRES_URL`, when the variable is set
/// (`scripts/with-test-postgres.sh` starts one and sets it). Each test gets a database of its
/// own, so the tests can run in parallel and leave nothing behind.
public enum TestPostgres {
    public static let url = ProcessInfo.processInfo.environment["BANDIT_TEST_POSTGRES_URL"]
    public static var isAvailable: Bool { url != nil }
    public static let skipReason =
        "set BANDIT_TEST_POSTGRES_URL=postgres://user:password@127.0.0.1:port/db to run the PostgreSQL tests (scripts/with-test-postgres.sh swift test does)"

    /// Runs `body` with the URL of a fresh, empty database, and drops the database afterwards
    /// (also when `body` throws).
    public static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let name = "bandit_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await admin("CREATE DATABASE \(name)")
        do {
            let result = try await body(try url(database: name))
            await drop(name)
            return result
        } catch {
            await drop(name)
            throw error
        }
    }

    /// Drops a test database, retrying a few times: an autovacuum worker that happens to be
    /// in it makes DROP … WITH (FORCE) fail for a user who is not a superuser. A database
    /// left over in a throw-away cluster harms nothing, so the last failure is ignored.
    private static func drop(_ name: String) async {
        for _ in 0..<10 {
            if (try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")) != nil { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Runs one statement on the server's own database; `sql` is the test's own text, never input.
    public static func run(_ sql: String, database: String? = nil) async throws {
        let target = try parsed()
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: database ?? target.database, tls: .disable)
        // A busy machine (the suite runs tests in parallel) can take seconds to fork a backend
        // and finish SCRAM authentication.
        configuration.options.connectTimeout = .seconds(Int64(target.connectTimeoutSeconds))
        do {
            let connection = try await PostgresConnection.connect(
                configuration: configuration, id: 1, logger: Logger(label: "test-postgres"))
            do {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-postgres"))
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch {
            // postgres-nio hides the server's message from `description`.
            throw Failed(description: "\(sql): \(String(reflecting: error))")
        }
    }

    /// Runs one statement in the database a store URL names (e.g. to forge a newer schema).
    public static func run(_ sql: String, in storeURL: String) async throws {
        guard case .success(let target) = PostgresURL.parse(storeURL) else { throw Unset() }
        try await run(sql, database: target.database)
    }

    private static func admin(_ sql: String) async throws { try await run(sql) }

    private static func parsed() throws -> PostgresURL {
        guard let url, case .success(let parsed) = PostgresURL.parse(url) else { throw Unset() }
        return parsed
    }

    private static func url(database: String) throws -> String {
        guard let url, var components = URLComponents(string: url) else { throw Unset() }
        components.path = "/\(database)"
        guard let string = components.string else { throw Unset() }
        return string
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    struct Unset: Error, CustomStringConvertible {
        var description: String { "BANDIT_TEST_POSTGRES_URL is not set or not a postgres:// URL" }
    }
}
