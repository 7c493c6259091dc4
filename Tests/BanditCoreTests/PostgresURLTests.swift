import Testing

@testable import BanditCore

/// `"storage": "postgres://…"` read as libpq reads it, as far as bandit-proxy supports it.
@Suite struct PostgresURLTests {
    func parse(_ text: String) throws -> PostgresURL { try PostgresURL.parse(text).get() }

    func problem(_ text: String) -> String? {
        if case .failure(let error) = PostgresURL.parse(text) { return error.description }
        return nil
    }

    @Test func everyPartIsRead() throws {
        #expect(
            try parse("postgres://bandit:s3cret@db.internal:6432/experiments?sslmode=disable")
                == PostgresURL(
                    host: "db.internal", port: 6432, user: "bandit", password: "s3cret", database: "experiments",
                    sslMode: .disable))
    }

    @Test func defaultsAreLibpqs() throws {
        let url = try parse("postgresql://bandit@127.0.0.1")
        #expect(url.port == 5432)
        #expect(url.password == nil)
        #expect(url.database == "bandit", "no database: the one named like the user")
        #expect(url.sslMode == .prefer)
        #expect(url.connectTimeoutSeconds == 10, "libpq waits forever; a store must say it cannot connect")
    }

    @Test func connectTimeoutIsLibpqs() throws {
        #expect(try parse("postgres://u@h/db?sslmode=disable&connect_timeout=60").connectTimeoutSeconds == 60)
    }

    @Test func percentEncodedPasswordsAndIPv6Hosts() throws {
        let url = try parse("postgres://bandit:p%40ss%3Aw%2Fd@[::1]:5433/db?sslmode=verify-full")
        #expect(url.password == "p@ss:w/d")
        #expect(url.host == "::1")
        #expect(url.sslMode == .verifyFull)
        #expect(url.description == "postgres://bandit@[::1]:5433/db")
    }

    @Test func theDescriptionNeverShowsThePassword() throws {
        let url = try parse("postgres://bandit:s3cret@h/db")
        #expect(url.description == "postgres://bandit@h:5432/db")
    }

    @Test(arguments: [
        ("postgres:///db", "names no host"),
        ("postgres://h/db", "names no user"),
        ("postgres://u@h:0/db", "has port 0"),
        ("postgres://u@h/db/extra", "more than a database name"),
        ("postgres://u@h/db?sslmode=sometimes", "expected one of disable, allow, prefer"),
        ("postgres://u@h/db?application_name=x", "only sslmode and connect_timeout are"),
        ("postgres://u@h/db?connect_timeout=0", "expected a whole number of seconds above 0"),
        ("postgres://u@h/db?connect_timeout=soon", "expected a whole number of seconds above 0"),
        ("mysql://u@h/db", "does not start with postgres://"),
    ])
    func mistakesAreNamed(text: String, expected: String) {
        let found = problem(text)
        #expect(found?.contains(expected) == true, "\(text): \(found ?? "accepted")")
    }
}
