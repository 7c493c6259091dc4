import Foundation
import Testing

@testable import BanditCore

/// The loader's edges beyond `ConfigValidationTests`: whole-model equality, exact messages,
/// files on disk, every JSON type mismatch, syntax positions, and values that used to slip
/// through or crash (huge integers, IPv6 upstreams, reserved header names, bad regexes).
@Suite struct ConfigLoaderTests {
    func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigErrors) -> ProxyConfig {
        try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/srv/site", environment: environment)
    }

    /// The errors for a document that must be refused (recorded as an issue when it is accepted).
    func errors(_ text: String, environment: [String: String] = [:]) -> ConfigErrors {
        do {
            let config = try parse(text, environment: environment)
            Issue.record("expected the configuration to be refused, got \(config)")
            return ConfigErrors([])
        } catch {
            return error
        }
    }

    /// `{"upstream": …, <members>}`.
    static func document(_ members: String) -> String { #"{"upstream": "http://127.0.0.1:8000", \#(members)}"# }

    /// A document with experiments given as the JSON objects' members.
    static func experiments(_ experiments: String...) -> String {
        document(#""experiments": [\#(experiments.map { "{\($0)}" }.joined(separator: ", "))]"#)
    }

    // MARK: the model

    @Test func theExampleParsesToExactlyTheExpectedModel() throws {
        var expected = ProxyConfig(
            listen: HostPort(host: "127.0.0.1", port: 8080),
            upstream: UpstreamURL(scheme: "http", host: "127.0.0.1", port: 8000),
            storage: .sqlite(path: "/srv/site/bandits.sqlite"),
            flushIntervalMs: 1000,
            adminToken: "change-me",
            timeouts: Timeouts(connectSeconds: 5, responseSeconds: 60, idleSeconds: 60),
            session: SessionSettings(
                cookie: "bandit_session", secret: "a-secret-of-20-chars", maxAgeDays: 30, authCookie: "sessionid"),
            exclude: ExcludeRules(
                paths: ["/admin/", "/static/"], regex: #"\.php$|/wp-"#, userAgents: "(?i)bot|crawler|spider"),
            experiments: [
                ExperimentConfig(
                    name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"),
                    arms: ["control", "bold"], algorithm: .thompson, injection: .header("X-Bandit-Headline"),
                    minViews: 100, significance: 0.05),
                ExperimentConfig(
                    name: "cta", source: PathPattern("/pricing/"), target: PathPattern("/signup/"),
                    arms: ["plain", "green", "red"], algorithm: .epsilonGreedy(epsilon: 0.1), injection: .query("cta"),
                    ignoreAuthenticated: true),
            ])
        let text = #"""
            {
              "listen": "127.0.0.1:8080",
              "upstream": "http://127.0.0.1:8000",
              "storage": "bandits.sqlite",
              "flushIntervalMs": 1000,
              "adminToken": "change-me",
              "timeouts": {"connectSeconds": 5, "responseSeconds": 60, "idleSeconds": 60},
              "session": {"cookie": "bandit_session", "secret": "${SECRET}", "maxAgeDays": 30, "authCookie": "sessionid"},
              "exclude": {"paths": ["/admin/", "/static/"], "regex": "\\.php$|/wp-", "userAgents": "(?i)bot|crawler|spider"},
              "experiments": [
                {"name": "headline", "source": "/", "target": "/contact/", "arms": ["control", "bold"],
                 "algorithm": "thompson", "header": "X-Bandit-Headline", "minViews": 100, "significance": 0.05},
                {"name": "cta", "source": "/pricing/", "target": "/signup/", "arms": ["plain", "green", "red"],
                 "algorithm": "epsilon-greedy", "epsilon": 0.1, "query": "cta", "ignoreAuthenticated": true}
              ]
            }
            """#
        expected.experiments[0].minShares = [0.1, 0.1]  // Thompson sampling's default floor
        #expect(try parse(text, environment: ["SECRET": "a-secret-of-20-chars"]) == expected)
    }

    @Test func theSmallestDocumentGetsEveryDefault() throws {
        let config = try parse(#"{"upstream": "http://app"}"#)
        let expected = ProxyConfig(
            upstream: UpstreamURL(host: "app", port: 80), storage: .sqlite(path: "/srv/site/bandits.sqlite"))
        #expect(config == expected)
        #expect(config.timeouts == Timeouts())
        #expect(config.trustedProxies == [IPRange("127.0.0.0/8")!, IPRange("::1")!])
    }

    @Test(arguments: [
        (#""algorithm": "thompson""#, Algorithm.thompson),
        (#""algorithm": "top-two-thompson""#, .topTwoThompson(beta: 0.5)),
        (#""algorithm": "top-two-thompson", "beta": 0.8"#, .topTwoThompson(beta: 0.8)),
        (#""algorithm": "epsilon-greedy""#, .epsilonGreedy(epsilon: 0.1)),
        (#""algorithm": "epsilon-greedy", "epsilon": 0"#, .epsilonGreedy(epsilon: 0)),
        (#""algorithm": "epsilon-decay""#, .epsilonDecay(k: 100)),
        (#""algorithm": "epsilon-decay", "k": 25"#, .epsilonDecay(k: 25)),
        (#""algorithm": "ucb1""#, .ucb1(c: 2)),
        (#""algorithm": "ucb1", "c": 0.5"#, .ucb1(c: 0.5)),
        (#""algorithm": "uniform""#, .uniform),
    ])
    func everyAlgorithmWithItsDefaultAndGivenParameter(members: String, algorithm: Algorithm) throws {
        let config = try parse(Self.experiments(#""name": "e", "source": "/", "target": "/t", \#(members)"#))
        #expect(config.experiments[0].algorithm == algorithm)
    }

    @Test func integralNumbersAreAcceptedWhereIntegersAreExpected() throws {
        let config = try parse(Self.document(#""flushIntervalMs": 1e3, "session": {"maxAgeDays": 7.0}"#))
        #expect(config.flushIntervalMs == 1000)
        #expect(config.session.maxAgeDays == 7)
    }

    // MARK: messages

    @Test func messagesReadAsDocumented() {
        let range = errors(
            Self.experiments(
                #""name": "a", "source": "/a", "target": "/b""#,
                #""name": "b", "source": "/c", "target": "/d", "algorithm": "epsilon-greedy", "epsilon": 1.5"#))
        #expect(
            range.errors.map(\.description) == [
                "experiments[1].epsilon: 1.5 is out of range; expected a number from 0 to 1"
            ])
        let type = errors(Self.document(#""timeouts": {"connectSeconds": "5"}"#))
        #expect(type.errors.map(\.description) == [#"timeouts.connectSeconds: "5" is a string; expected a number"#])
        // One problem per line when printed.
        #expect(ConfigErrors([range.errors[0], type.errors[0]]).description.split(separator: "\n").count == 2)
    }

    @Test(arguments: [
        (#""flushIntervalMs": true"#, "flushIntervalMs", "true is a boolean; expected a whole number"),
        (#""flushIntervalMs": 10.5"#, "flushIntervalMs", "10.5 is not a whole number"),
        (#""adminToken": 42"#, "adminToken", "42 is a number; expected a string"),
        (#""adminToken": null"#, "adminToken", "is null; expected a string"),
        (#""timeouts": [5]"#, "timeouts", "is an array; expected an object"),
        (#""session": "cookie""#, "session", #""cookie" is a string; expected an object"#),
        (#""experiments": {}"#, "experiments", "is an object; expected an array"),
        (#""exclude": {"paths": "/admin/"}"#, "exclude.paths", "expected an array of strings"),
        (#""exclude": {"paths": ["/a", 7]}"#, "exclude.paths[1]", "7 is a number; expected a string"),
        (#""timeouts": {"idleSeconds": false}"#, "timeouts.idleSeconds", "false is a boolean; expected a number"),
    ])
    func wrongTypesNameTheValueAndTheExpectedType(members: String, keyPath: String, message: String) {
        let found = errors(Self.document(members))
        #expect(found.error(at: keyPath)?.message.contains(message) == true, "\(found)")
    }

    @Test func aBoolWhereAnExperimentExpectsOneAndViceVersa() {
        let found = errors(
            Self.experiments(
                #""name": "a", "source": "/", "target": "/t", "ignoreAuthenticated": "yes", "minViews": true"#))
        #expect(
            found.error(at: "experiments[0].ignoreAuthenticated")?.message.contains("expected true or false") == true)
        #expect(found.error(at: "experiments[0].minViews")?.message.contains("is a boolean") == true)
    }

    @Test func aDocumentThatIsNotAnObjectIsRefusedAsAWhole() {
        for text in ["[1, 2]", #""http://a""#, "null", "3"] {
            let found = errors(text)
            #expect(found.errors.count == 1)
            #expect(found.errors.first?.keyPath == "")
            #expect(found.errors.first?.message.contains("expected a JSON object") == true, "\(found)")
        }
    }

    @Test func problemsInEverySectionAreReportedTogether() {
        let text = #"""
            {"upstream": "http://a/base", "listen": "localhost", "storage": "", "flushIntervalMs": 5,
             "adminToken": "", "timeouts": {"connectSeconds": 0}, "session": {"maxAgeDays": 4000, "secret": "short"},
             "exclude": {"paths": ["admin"], "regex": "(x"}, "hostHeader": "mine", "trustedProxies": ["nope"],
             "experiments": [{"name": "a", "source": "/", "target": "/", "arms": ["x"]},
                             {"name": "a", "source": "/b", "target": "/c", "algorithm": "ucb1", "epsilon": 0.2}]}
            """#
        let paths = errors(text).errors.map(\.keyPath)
        let expected = [
            "upstream", "listen", "storage", "flushIntervalMs", "adminToken", "timeouts.connectSeconds",
            "session.secret", "session.maxAgeDays", "exclude.paths[0]", "exclude.regex", "trustedProxies[0]",
            "hostHeader", "experiments[0].target", "experiments[0].arms", "experiments[1].epsilon",
        ]
        for path in expected { #expect(paths.contains(path), "missing \(path) in \(paths)") }
    }

    // MARK: environment

    @Test func environmentVariablesFillStringsAtAnyDepth() throws {
        let text = Self.experiments(
            #""name": "${NAME}", "source": "${SOURCE}", "target": "/t", "arms": ["${A}", "b"], "header": "${H}""#)
        let config = try parse(text, environment: ["NAME": "exp", "SOURCE": "/s", "A": "a", "H": "X-Exp"])
        #expect(config.experiments[0].name == "exp")
        #expect(config.experiments[0].source == PathPattern("/s"))
        #expect(config.experiments[0].arms == ["a", "b"])
        #expect(config.experiments[0].injection == .header("X-Exp"))
        // A substituted value is validated like a written one.
        let invalid = errors(Self.document(#""listen": "${LISTEN}""#), environment: ["LISTEN": "nowhere"])
        #expect(invalid.error(at: "listen") != nil)
    }

    @Test func anUnsetVariableNamesTheKeyAndTheVariable() {
        let found = errors(Self.document(#""exclude": {"paths": ["/a", "${MISSING_PATH}"]}, "adminToken": "${TOKEN}""#))
        #expect(found.error(at: "exclude.paths[1]")?.message.contains("MISSING_PATH") == true, "\(found)")
        #expect(found.error(at: "adminToken")?.message.contains("TOKEN") == true, "\(found)")
    }

    // MARK: files

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/conf", withIntermediateDirectories: true)
        return path
    }

    @Test func relativeStorageResolvesAgainstTheConfigFilesFolder() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/conf/proxy.json"
        try #"{"upstream": "http://a", "storage": "../data/./state.sqlite"}"#.write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(
            try ConfigLoader.load(path: path, environment: [:]).storage
                == .sqlite(path: directory + "/data/state.sqlite"))

        try #"{"upstream": "http://a"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            try ConfigLoader.load(path: path, environment: [:]).storage
                == .sqlite(path: directory + "/conf/bandits.sqlite"))

        try #"{"upstream": "http://a", "storage": "/var/lib/b.sqlite"}"#.write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(try ConfigLoader.load(path: path, environment: [:]).storage == .sqlite(path: "/var/lib/b.sqlite"))
    }

    @Test func anUnreadableFileGivesThePathAndTheSystemsReason() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (path, reason) in [(directory + "/missing.json", "No such file"), (directory + "/conf", "directory")] {
            do {
                _ = try ConfigLoader.load(path: path, environment: [:])
                Issue.record("expected \(path) to be refused")
            } catch {
                #expect(error.errors.count == 1)
                #expect(error.description.contains(path), "\(error)")
                #expect(error.description.contains(reason), "\(error)")
            }
        }
    }

    @Test func aSyntaxErrorInAFileNamesItsLine() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/proxy.json"
        try "{\n  \"upstream\": \"http://a\"\n  \"listen\": \"127.0.0.1:1\"\n}\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ConfigLoader.load(path: path, environment: [:])
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.errors.map(\.keyPath) == [""])
            #expect(error.errors[0].message.contains("line 3, column 3"), "\(error)")
        }
    }

    // MARK: syntax

    @Test(arguments: [
        ("", 1, 1, "end of file"),
        ("{\"upstream\": \"http://a\",\n}", 2, 1, "trailing comma"),
        ("{\"upstream\": \"http://a\" // the site\n}", 1, 25, "expected ',' or '}'"),
        ("{\n\t\"upstream\": 'http://a'\n}", 2, 14, "expected a value"),
        ("{\"upstream\": \"http://a\", \"adminToken\": \"ünïcödé\", \"x\": 01}", 1, 57, "leading zeros"),
        ("{\"upstream\": \"http://a}", 1, 24, "unterminated string"),
        ("{\"upstream\": \"http://a\"} {}", 1, 26, "after the document"),
        ("{\"upstream\": \"bad \\q escape\"}", 1, 20, "invalid escape"),
    ])
    func syntaxErrorsGiveLineAndColumn(text: String, line: Int, column: Int, fragment: String) {
        let found = errors(text)
        #expect(found.errors.count == 1)
        #expect(found.errors.first?.keyPath == "")
        let message = found.errors.first?.message ?? ""
        #expect(message.contains("line \(line), column \(column)"), "\(message)")
        #expect(message.contains(fragment), "\(message)")
    }

    @Test func aDuplicateKeyIsNamedByItsKeyPath() {
        let nested = errors(
            Self.experiments(
                #""name": "a", "source": "/", "target": "/t""#,
                #""name": "b", "source": "/s", "target": "/t", "arms": ["x", "y"], "arms": ["z", "w"]"#))
        #expect(nested.errors.map(\.keyPath) == ["experiments[1].arms"], "\(nested)")
        #expect(nested.errors.first?.message.contains("duplicate key \"arms\"") == true)
        #expect(nested.errors.first?.message.contains("line 1") == true)
    }

    @Test func stringsDecodeEscapesAndUnicode() throws {
        let config = try parse(Self.document(#""adminToken": "t\u00f6k\ud83d\ude00\n\"/\\""#))
        #expect(config.adminToken == "tök😀\n\"/\\")
    }

    @Test func hugeNumbersAreOutOfRangeNotACrash() {
        let found = errors(
            Self.document(
                #""flushIntervalMs": 99999999999999999999, "session": {"maxAgeDays": -1e300}, "adminToken": 1e999"#)
        )
        #expect(found.error(at: "flushIntervalMs")?.message.contains("out of range") == true, "\(found)")
        #expect(found.error(at: "session.maxAgeDays")?.message.contains("out of range") == true, "\(found)")
        #expect(found.error(at: "adminToken")?.message.contains("expected a string") == true, "\(found)")
        let bigInteger = errors(#"{"upstream": 123456789012345678901234567890}"#)
        #expect(bigInteger.error(at: "upstream")?.message.contains("is a number; expected a string") == true)
    }

    // MARK: addresses

    @Test(arguments: [
        ("127.0.0.1:8080", HostPort(host: "127.0.0.1", port: 8080)),
        ("[::1]:9000", HostPort(host: "::1", port: 9000)),
        ("0.0.0.0:0", HostPort(host: "0.0.0.0", port: 0)),
        ("localhost:65535", HostPort(host: "localhost", port: 65535)),
    ])
    func listenAcceptsHostPortAndBracketedIPv6(text: String, expected: HostPort) throws {
        #expect(try parse(Self.document(#""listen": "\#(text)""#)).listen == expected)
    }

    @Test(arguments: ["127.0.0.1", ":8080", "::1:8080", "[::1]8080", "[nothex]:80", "host:+80", "host:65536", "a b:80"])
    func listenRefusesWhatCannotBeBound(text: String) {
        #expect(errors(Self.document(#""listen": "\#(text)""#)).error(at: "listen") != nil)
    }

    @Test func upstreamFormsAndDefaults() throws {
        #expect(try parse(#"{"upstream": "http://app"}"#).upstream == UpstreamURL(host: "app", port: 80))
        #expect(try parse(#"{"upstream": "HTTP://app:81/"}"#).upstream == UpstreamURL(host: "app", port: 81))
        // The bare address, as for `listen`: it is what connecting needs.
        #expect(try parse(#"{"upstream": "http://[::1]:8000"}"#).upstream == UpstreamURL(host: "::1", port: 8000))
    }

    @Test(arguments: [
        ("ftp://app", "scheme"),
        ("app:8000", "scheme"),
        ("http://", "no host"),
        ("http://app/base/", "has a path"),
        ("http://app/?x=1", "query"),
        ("http://user:secret@app", "user name or password"),
        ("http://app:0", "port"),
    ])
    func upstreamRefusals(text: String, fragment: String) {
        let found = errors(#"{"upstream": "\#(text)"}"#)
        #expect(found.error(at: "upstream")?.message.contains(fragment) == true, "\(found)")
    }

    // MARK: exclude

    @Test(arguments: [
        ("(unclosed", "\"(\" at character 1 is never closed"),
        ("bot)", "\")\" at character 4 has no matching"),
        ("[a-z", "\"[\" at character 1 is never closed"),
        ("*bot", "nothing to repeat"),
        ("bot|+", "nothing to repeat"),
        ("a{3,1}", "minimum above its maximum"),
        ("(?q)bot", "not a known group or flag"),
        ("bot\\\\", "lone backslash"),
    ])
    func anInvalidExpressionSaysWhy(pattern: String, reason: String) {
        let json = #"{"upstream": "http://a", "exclude": {"userAgents": "\#(pattern)"}}"#
        let found = errors(json)
        let message = found.error(at: "exclude.userAgents")?.message ?? ""
        #expect(message.contains("not a valid regular expression"), "\(found)")
        #expect(message.contains(reason), "\(message)")
    }

    @Test func validExpressionsIncludingTheCaseInsensitiveFlagAreKept() throws {
        let config = try parse(
            Self.document(#""exclude": {"regex": "^/(wp-|xmlrpc)", "userAgents": "(?i)Bot|[a-z]{2,}spider"}"#))
        #expect(config.exclude.userAgents == "(?i)Bot|[a-z]{2,}spider")
        let rules = ExclusionRules(config.exclude)
        #expect(rules.excludes(path: "/", userAgent: "GoogleBOT/2.1"))
        #expect(rules.excludes(path: "/wp-login.php", userAgent: "Firefox"))
        #expect(!rules.excludes(path: "/", userAgent: "Firefox"))
        #expect(errors(Self.document(#""exclude": {"regex": ""}"#)).error(at: "exclude.regex") != nil)
    }

    // MARK: experiments

    @Test func defaultHeadersThatCollideAreRefused() {
        // Header names are case-insensitive: X-Bandit-Promo and X-Bandit-promo are one header.
        let found = errors(
            Self.experiments(
                #""name": "Promo", "source": "/a", "target": "/b""#, #""name": "promo", "source": "/c", "target": "/d""#
            ))
        #expect(found.errors.map(\.keyPath) == ["experiments[1].header"], "\(found)")
        #expect(found.errors.first?.message.contains("experiments[0]") == true)
    }

    @Test func twoExperimentsMayNotInjectTheSameQueryParameter() {
        let found = errors(
            Self.experiments(
                #""name": "a", "source": "/a", "target": "/b", "query": "v""#,
                #""name": "b", "source": "/c", "target": "/d", "query": "v""#))
        #expect(found.errors.map(\.keyPath) == ["experiments[1].query"], "\(found)")
    }

    @Test(arguments: ["Cookie", "host", "Content-Length", "Transfer-Encoding", "X-Forwarded-For", "Connection"])
    func headersHTTPReliesOnCannotCarryAnArm(header: String) {
        let found = errors(Self.experiments(#""name": "a", "source": "/", "target": "/t", "header": "\#(header)""#))
        #expect(found.error(at: "experiments[0].header")?.message.contains("relies on") == true, "\(found)")
    }

    @Test func theForceParameterPrefixIsNotAnInjectionName() {
        let found = errors(Self.experiments(#""name": "a", "source": "/", "target": "/t", "query": "bandit_force_a""#))
        #expect(found.error(at: "experiments[0].query") != nil, "\(found)")
    }

    @Test(arguments: [
        (#""algorithm": "thompson", "beta": 0.5"#, "experiments[0].beta"),
        (#""algorithm": "epsilon-greedy", "k": 10"#, "experiments[0].k"),
        (#""algorithm": "uniform", "c": 1"#, "experiments[0].c"),
        (#""epsilon": 0.2"#, "experiments[0].epsilon"),
    ])
    func aParameterOfAnotherAlgorithmIsRefused(members: String, keyPath: String) {
        let found = errors(Self.experiments(#""name": "a", "source": "/", "target": "/t", \#(members)"#))
        #expect(found.error(at: keyPath)?.message.contains("does not apply") == true, "\(found)")
    }

    @Test(arguments: [
        (#""source": "pricing""#, "experiments[0].source", "start with"),
        (#""source": "/a*/b""#, "experiments[0].source", "'*'"),
        (#""source": "/a?x=1""#, "experiments[0].source", "query"),
        (#""target": "/pricing""#, "experiments[0].target", "same path"),
        (#""arms": ["a", "b", "a"]"#, "experiments[0].arms[2]", "twice"),
        (#""arms": ["\#(String(repeating: "x", count: 65))", "b"]"#, "experiments[0].arms[0]", "64"),
        (#""significance": 0"#, "experiments[0].significance", "above 0"),
        (#""minViews": 1.5"#, "experiments[0].minViews", "not a whole number"),
        (#""query": """#, "experiments[0].query", "not allowed"),
        (#""name": "bad.name""#, "experiments[0].name", "not allowed"),
    ])
    func experimentRulesNameTheirKey(members: String, keyPath: String, fragment: String) {
        var fields = ["name": #""name": "a""#, "source": #""source": "/pricing/""#, "target": #""target": "/t""#]
        let key = String(members.dropFirst().prefix { $0 != "\"" })
        fields[key] = members
        let text = Self.experiments(([members] + fields.filter { $0.key != key }.map(\.value)).joined(separator: ", "))
        let found = errors(text)
        #expect(found.error(at: keyPath)?.message.contains(fragment) == true, "\(found)")
    }

    @Test func ignoreAuthenticatedWithAnAuthCookieIsAccepted() throws {
        let text = Self.document(
            #""session": {"authCookie": "sessionid"}, "experiments": [{"name": "a", "source": "/", "target": "/t", "ignoreAuthenticated": true}]"#
        )
        #expect(try parse(text).experiments[0].ignoreAuthenticated)
    }
}
