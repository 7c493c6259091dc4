import Foundation
import Testing

@testable import BanditCore

/// `proxy.json` as a user writes it: defaults, and one test per rule that a mistake is named
/// by its key path. (The contract's full example is in `ConfigLoaderTests`.)
@Suite struct ConfigValidationTests {
    func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigErrors) -> ProxyConfig {
        try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/etc/bandit", environment: environment)
    }

    /// The errors for a document that must be refused.
    func errors(_ text: String, environment: [String: String] = [:]) -> ConfigErrors {
        do {
            _ = try parse(text, environment: environment)
            Issue.record("expected the configuration to be refused")
            return ConfigErrors([])
        } catch {
            return error
        }
    }

    /// A minimal valid document with one experiment whose JSON members are `experiment`.
    static func withExperiment(_ experiment: String, extra: String = "") -> String {
        #"{"upstream": "http://127.0.0.1:8000", "session": {"authCookie": "sid"}\#(extra), "experiments": [{\#(experiment)}]}"#
    }

    @Test func defaultsFillEverythingButTheUpstream() throws {
        let config = try parse(
            #"{"upstream": "http://localhost:9000", "experiments": [{"name": "flag", "source": "/a", "target": "/b"}]}"#
        )
        #expect(config.listen == HostPort(host: "127.0.0.1", port: 8080))
        #expect(config.storage == .sqlite(path: "/etc/bandit/bandits.sqlite"))
        #expect(config.flushIntervalMs == 1000)
        #expect(config.adminToken == nil)
        #expect(config.session == SessionSettings())
        let flag = config.experiments[0]
        #expect(flag.arms == ["off", "on"])
        #expect(flag.algorithm == .thompson)
        #expect(flag.injection == .header("X-Bandit-flag"))
        #expect(flag.minViews == 100)
        #expect(flag.significance == 0.05)
    }

    @Test func environmentVariablesAreSubstituted() throws {
        let text = #"{"upstream": "${UP}", "adminToken": "${TOKEN}", "session": {"secret": "${SECRET}"}}"#
        let config = try parse(
            text,
            environment: ["UP": "http://10.0.0.1:81", "TOKEN": "t0k", "SECRET": String(repeating: "s", count: 20)])
        #expect(config.upstream == UpstreamURL(host: "10.0.0.1", port: 81))
        #expect(config.adminToken == "t0k")
        #expect(config.session.secret == String(repeating: "s", count: 20))
        let missing = errors(#"{"upstream": "http://a", "adminToken": "${NOPE}"}"#)
        #expect(missing.error(at: "adminToken")?.message.contains("NOPE") == true)
    }

    @Test func storageForms() throws {
        #expect(try parse(#"{"upstream": "http://a", "storage": ":memory:"}"#).storage == .memory)
        #expect(
            try parse(#"{"upstream": "http://a", "storage": "/var/lib/b.sqlite"}"#).storage
                == .sqlite(path: "/var/lib/b.sqlite"))
        #expect(
            try parse(#"{"upstream": "http://a", "storage": "data/b.sqlite"}"#).storage
                == .sqlite(path: "/etc/bandit/data/b.sqlite"))
        #expect(
            try parse(#"{"upstream": "http://a", "storage": "postgres://u:p@db.internal:6432/bandits"}"#).storage
                == .postgres(url: "postgres://u:p@db.internal:6432/bandits"))
        let badURL = errors(#"{"upstream": "http://a", "storage": "postgresql://:hunter2@h/db"}"#).error(at: "storage")
        #expect(badURL?.message.contains("names no user") == true)
        #expect(badURL?.message.contains("hunter2") == false, "a password is never repeated in an error")
    }

    @Test func syntaxErrorsGiveLineAndColumn() {
        let broken = "{\n  \"upstream\": \"http://a\",\n  \"listen\": tru\n}"
        let found = errors(broken)
        #expect(found.errors.count == 1)
        #expect(found.errors[0].message.contains("line 3"), "\(found)")
        let trailing = errors("{\"upstream\": \"http://a\",}")
        #expect(trailing.errors[0].message.contains("trailing comma"))
        let duplicate = errors("{\"upstream\": \"http://a\", \"upstream\": \"http://b\"}")
        #expect(duplicate.errors[0].message.contains("duplicate key \"upstream\""))
    }

    @Test func everyProblemIsReportedAtOnce() {
        let found = errors(
            #"{"upstream": "ftp://x", "listen": "nowhere", "flushIntervalMs": 1, "timouts": {},"#
                + #""experiments": [{"name": "a b", "source": "x", "target": "/t", "algorithm": "telepathy"}]}"#)
        let paths = Set(found.errors.map(\.keyPath))
        for path in [
            "upstream", "listen", "flushIntervalMs", "timouts", "experiments[0].name", "experiments[0].source",
            "experiments[0].algorithm",
        ] {
            #expect(paths.contains(path), "missing \(path) in \(found)")
        }
        #expect(found.error(at: "timouts")?.message.contains("did you mean \"timeouts\"") == true)
    }

    @Test(arguments: [
        (#"{"listen": "127.0.0.1:8080"}"#, "upstream", "required"),
        (#"{"upstream": "http://a/app"}"#, "upstream", "path"),
        (#"{"upstream": "http://a", "listen": "1.2.3.4:70000"}"#, "listen", "not an address"),
        (
            #"{"upstream": "http://a", "timeouts": {"connectSeconds": "5"}}"#, "timeouts.connectSeconds",
            "is a string; expected a number"
        ),
        (#"{"upstream": "http://a", "timeouts": {"responseSeconds": -1}}"#, "timeouts.responseSeconds", "out of range"),
        (#"{"upstream": "http://a", "flushIntervalMs": 10.5}"#, "flushIntervalMs", "whole number"),
        (#"{"upstream": "http://a", "session": {"secret": "short"}}"#, "session.secret", "at least 16"),
        (
            #"{"upstream": "http://a", "session": {"cookie": "bad cookie"}}"#, "session.cookie",
            "not a valid cookie name"
        ),
        (#"{"upstream": "http://a", "session": {"maxAgeDays": 0}}"#, "session.maxAgeDays", "out of range"),
        (#"{"upstream": "http://a", "exclude": {"regex": "(unclosed"}}"#, "exclude.regex", "regular expression"),
        (#"{"upstream": "http://a", "exclude": {"paths": ["static/"]}}"#, "exclude.paths[0]", "start with"),
        (#"{"upstream": "http://a", "trustedProxies": ["10.0.0.0/33"]}"#, "trustedProxies[0]", "CIDR"),
        (#"{"upstream": "http://a", "hostHeader": "server"}"#, "hostHeader", "\"client\" or \"upstream\""),
        (#"{"upstream": "http://a", "adminToken": ""}"#, "adminToken", "empty"),
        (#"{"upstream": "http://a", "limits": {"maxBodyBytes": 0}}"#, "limits.maxBodyBytes", "out of range"),
        (
            #"{"upstream": "http://a", "limits": {"maxUpstreamConnections": 0}}"#, "limits.maxUpstreamConnections",
            "out of range"
        ),
    ])
    func topLevelMistakesNameTheirKey(document: String, keyPath: String, fragment: String) {
        let error = errors(document).error(at: keyPath)
        #expect(error != nil, "no error at \(keyPath)")
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        (#""source": "/", "target": "/t""#, "experiments[0].name", "required"),
        (#""name": "a", "target": "/t""#, "experiments[0].source", "required"),
        (#""name": "a", "source": "/x*y", "target": "/t""#, "experiments[0].source", "'*'"),
        (#""name": "a", "source": "/t", "target": "/t""#, "experiments[0].target", "same path"),
        (#""name": "a", "source": "/", "target": "/t", "arms": ["one"]"#, "experiments[0].arms", "two or more"),
        (#""name": "a", "source": "/", "target": "/t", "arms": ["x", "x"]"#, "experiments[0].arms[1]", "twice"),
        (#""name": "a", "source": "/", "target": "/t", "arms": ["x", "y z"]"#, "experiments[0].arms[1]", "not allowed"),
        (
            #""name": "a", "source": "/", "target": "/t", "algorithm": "telepathy""#, "experiments[0].algorithm",
            "not known"
        ),
        (
            #""name": "a", "source": "/", "target": "/t", "algorithm": "epsilon-greedy", "epsilon": 1.5"#,
            "experiments[0].epsilon", "from 0 to 1"
        ),
        (
            #""name": "a", "source": "/", "target": "/t", "algorithm": "ucb1", "epsilon": 0.1"#,
            "experiments[0].epsilon", "does not apply to ucb1"
        ),
        (#""name": "a", "source": "/", "target": "/t", "algorithm": "ucb1", "c": 0"#, "experiments[0].c", "above 0"),
        (
            #""name": "a", "source": "/", "target": "/t", "algorithm": "epsilon-decay", "k": -1"#, "experiments[0].k",
            "above 0"
        ),
        (
            #""name": "a", "source": "/", "target": "/t", "header": "Bad Header""#, "experiments[0].header",
            "not a valid header name"
        ),
        (
            #""name": "a", "source": "/", "target": "/t", "header": "X-A", "query": "a""#, "experiments[0].query",
            "not both"
        ),
        (
            #""name": "a", "source": "/", "target": "/t", "significance": 0.7"#, "experiments[0].significance",
            "at most 0.5"
        ),
        (#""name": "a", "source": "/", "target": "/t", "minViews": -3"#, "experiments[0].minViews", "≥ 0"),
        (#""name": "a", "source": "/", "target": "/t", "colour": "red""#, "experiments[0].colour", "unknown key"),
    ])
    func experimentMistakesNameTheirKey(members: String, keyPath: String, fragment: String) {
        let error = errors(Self.withExperiment(members)).error(at: keyPath)
        #expect(error != nil, "no error at \(keyPath)")
        #expect(error?.message.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test func duplicatesAcrossExperimentsAreRefused() {
        let text = #"""
            {"upstream": "http://a", "experiments": [
              {"name": "a", "source": "/", "target": "/t", "header": "X-Arm"},
              {"name": "a", "source": "/2", "target": "/t2", "header": "x-arm"}]}
            """#
        let found = errors(text)
        #expect(found.error(at: "experiments[1].name") != nil)
        #expect(found.error(at: "experiments[1].header") != nil)
    }

    @Test func ignoreAuthenticatedNeedsAnAuthCookie() {
        let text =
            #"{"upstream": "http://a", "experiments": [{"name": "a", "source": "/", "target": "/t", "ignoreAuthenticated": true}]}"#
        #expect(
            errors(text).error(at: "experiments[0].ignoreAuthenticated")?.message.contains("session.authCookie") == true
        )
    }

    @Test func anUnreadableFileIsNamedByItsPath() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/dir/proxy.json", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("/nonexistent/dir/proxy.json"))
        }
    }

    @Test func randomBytesNeverCrashTheLoader() {
        var rng = SplitMix64(seed: 99)
        let alphabet = Array(#"{}[]":,0123456789.-eE truefalsnl\"#.utf8)
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<60, using: &rng)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            _ = try? ConfigLoader.parse(bytes, baseDirectory: "/")
        }
        // Deep nesting is refused, not a stack overflow.
        let deep = String(repeating: "[", count: 10_000)
        #expect(throws: ConfigErrors.self) { try ConfigLoader.parse(Array(deep.utf8), baseDirectory: "/") }
    }
}
