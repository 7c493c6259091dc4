import PropertyBased
import Testing

@testable import BanditCore

/// `proxy.json` under random input. A valid configuration loads back to exactly what was
/// written; anything else is refused with every problem named by its key path or, for a
/// syntax error, its line and column; and whatever loads keeps the invariants `ProxyConfig`
/// documents. Never a crash.
@Suite struct ConfigLoaderProperties {
    static func load(_ text: String, environment: [String: String] = [:]) throws(ConfigErrors) -> ProxyConfig {
        try ConfigLoader.parse(Array(text.utf8), baseDirectory: ConfigGen.baseDirectory, environment: environment)
    }

    @Test func aValidConfigurationLoadsBackToTheSameValues() async {
        await propertyCheck(count: 300, input: ConfigGen.valid) { valid in
            do throws(ConfigErrors) {
                let config = try Self.load(valid.text, environment: valid.environment)
                #expect(config == valid.expected)
            } catch {
                Issue.record("refused: \(error)")
            }
        }
    }

    @Test func randomBytesAreRefusedWithAPosition() async {
        await propertyCheck(count: 500, input: Gen<UInt8>.value(in: 0...255).array(of: 0...200)) { bytes in
            do throws(ConfigErrors) {
                _ = try ConfigLoader.parse(bytes, baseDirectory: ConfigGen.baseDirectory)
            } catch {
                #expect(error.errors.allSatisfy(ConfigMutation.isLocated), "\(error)")
            }
        }
    }

    /// The edits below start from a configuration that loads, or they would test only refusals.
    @Test func theSampleLoads() throws {
        let config = try Self.load(ConfigMutation.sample, environment: ConfigMutation.environment)
        #expect(config.experiments.map(\.name) == ["headline", "cta", "layout"])
        #expect(ConfigInvariants.violations(config).isEmpty)
    }

    @Test func editedBytesOfTheSampleLoadOrAreRefusedWithAPosition() async {
        await propertyCheck(count: 500, input: ConfigMutation.byteEdits) { text in
            do throws(ConfigErrors) {
                ConfigInvariants.check(try Self.load(text, environment: ConfigMutation.environment), text)
            } catch {
                #expect(!error.errors.isEmpty && error.errors.allSatisfy(ConfigMutation.isLocated), "\(error)")
            }
        }
    }

    @Test func editedValuesOfTheSampleLoadWithTheirInvariantsOrAreRefusedByKeyPath() async {
        await propertyCheck(count: 500, input: ConfigMutation.valueEdits) { edited in
            do throws(ConfigErrors) {
                ConfigInvariants.check(try Self.load(edited.text, environment: ConfigMutation.environment), edited.text)
            } catch {
                #expect(!error.errors.isEmpty, "\(edited)")
                for problem in error.errors {
                    // A key path that starts at a key the document has (or "upstream", which it must).
                    let head = String(
                        decoding: problem.keyPath.utf8.prefix { $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "[") },
                        as: UTF8.self)
                    let key = head == "\"\"" ? "" : head  // how an empty key is shown
                    let rootRefused = problem.keyPath.isEmpty && problem.message.hasPrefix("the file holds")
                    #expect(rootRefused || edited.topLevelKeys.contains(key) || key == "upstream", "\(problem)")
                }
            }
        }
    }
}

/// Mutations of the README's sample configuration, extended by an experiment that uses the
/// newer rules (goals, weights, coverage, an attribution window) and a floor on another.
enum ConfigMutation {
    static let environment = ["SECRET": "a-secret-of-20-chars"]

    static let sample = #"""
        {
          "listen": "127.0.0.1:8080",
          "upstream": "http://127.0.0.1:8000",
          "storage": "bandits.sqlite",
          "flushIntervalMs": 1000,
          "adminToken": "change-me",
          "timeouts": {"connectSeconds": 5, "responseSeconds": 60, "idleSeconds": 60},
          "session": {"cookie": "bandit_session", "secret": "${SECRET}", "maxAgeDays": 30, "authCookie": "sessionid"},
          "exclude": {"paths": ["/admin/", "/static/"], "regex": "\\.php$|/wp-", "userAgents": "(?i)bot|crawler|spider"},
          "trustedProxies": ["10.0.0.0/8"], "limits": {"maxBodyBytes": 1048576}, "hostHeader": "client",
          "accessLog": "off", "cacheSafety": true,
          "experiments": [
            {"name": "headline", "source": "/", "target": "/contact/", "arms": ["control", "bold"],
             "algorithm": "thompson", "header": "X-Bandit-Headline", "minViews": 100, "significance": 0.05},
            {"name": "cta", "source": "/pricing/", "target": "/signup/", "arms": ["plain", "green", "red"],
             "algorithm": "epsilon-greedy", "epsilon": 0.1, "query": "cta", "ignoreAuthenticated": true,
             "minShare": [0.1, 0.1, 0.05]},
            {"name": "layout", "source": "/blog/*", "arms": ["a", "b", "c"], "algorithm": "uniform",
             "target": [{"path": "/signup/", "method": "post", "status": "2xx"}, "/thanks/"],
             "weights": {"a": 3, "b": 1}, "coverage": 0.5, "attributionWindow": "7d"}
          ]
        }
        """#

    static let sampleValue = try! JSONParser.parse(Array(sample.utf8))

    /// A problem is located when it names a key path, or a syntax error's line and column,
    /// or says that the file as a whole is not a JSON object.
    static func isLocated(_ error: ConfigError) -> Bool {
        !error.keyPath.isEmpty || error.message.contains(/line \d+, column \d+/)
            || error.message.hasPrefix("the file holds")
    }

    /// The sample after one to four byte edits: deleting, inserting, replacing or repeating
    /// bytes, mostly JSON's structural characters.
    static let byteEdits = Generator<String, Shrink.None<String>>(run: { rng in
        var bytes = Array(sample.utf8)
        let tokens = Array("{}[],:\"\\0123456789-.eEtrufalsn \n".utf8) + [0x00, 0xC3, 0xFF]
        for _ in 0..<Draw.int(1...4, using: &rng) {
            let at = Draw.int(0...(bytes.count - 1), using: &rng)
            switch Draw.int(0...3, using: &rng) {
            case 0: bytes.removeSubrange(at..<min(bytes.count, at + Draw.int(1...8, using: &rng)))
            case 1: bytes.insert(Draw.element(tokens, using: &rng), at: at)
            case 2: bytes[at] = Draw.element(tokens, using: &rng)
            default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Draw.int(1...30, using: &rng))], at: at)
            }
            if bytes.isEmpty { bytes = [0x20] }
        }
        return String(decoding: bytes, as: UTF8.self)
    })

    struct ValueEdit: Sendable, CustomStringConvertible {
        var text: String
        var topLevelKeys: Set<String>
        var description: String { text }
    }

    /// Values a field might wrongly (or rightly) hold: every JSON type, range edges, empty and
    /// odd strings, unset variables, paths, patterns, and huge numbers.
    static let replacements: [JSONValue] = [
        .null, .bool(true), .bool(false), .number(0, isInteger: true), .number(-1, isInteger: true),
        .number(1, isInteger: true), .number(0.5, isInteger: false), .number(1.5, isInteger: false),
        .number(9, isInteger: true), .number(86_401, isInteger: true), .number(65_536, isInteger: true),
        .number(1e300, isInteger: false), .number(-1e300, isInteger: false), .number(9.3e18, isInteger: false),
        .number(4_611_686_018_427_387_904, isInteger: true), .number(.infinity, isInteger: false),
        .number(-.infinity, isInteger: false), .number(.greatestFiniteMagnitude, isInteger: false),
        .number(.leastNonzeroMagnitude, isInteger: false), .string("7d"), .string("0m"), .string("2xx"), .string("5xx"),
        .string("POST"), .array([.number(1, isInteger: true), .number(1, isInteger: true)]), .string(""), .string("x"),
        .string("/"), .string("/x*"),
        .string("*"), .string("${UNSET}"), .string("${SECRET}"), .string("http://[::1]:0"), .string("ftp://x"),
        .string("postgres://db/x"), .string(":memory:"), .string("(?i"), .string("[::1]:80"), .string("Cookie"),
        .string("bandit_force_x"), .string("ucb1"), .string("\u{0}"), .string(String(repeating: "é", count: 300)),
        .array([]), .array([.string("a")]), .array([.string("a"), .string("a")]), .object([]),
        .object([("name", .string("n")), ("source", .string("/s")), ("target", .string("/t"))]),
    ]

    static let knownKeys =
        ConfigKeys.root + ConfigKeys.experiment + ConfigKeys.goal
        + ["connectSeconds", "paths", "regex", "cookie", "secret", "maxBodyBytes", "caFile", "Upstream", "experiment"]

    /// The sample with one value replaced, removed, or a member added.
    static let valueEdits = Generator<ValueEdit, Shrink.None<ValueEdit>>(run: { rng in
        var value = sampleValue
        for _ in 0..<Draw.int(1...3, using: &rng) {
            let paths = JSONTree.paths(in: value)
            let path = Draw.element(paths, using: &rng)
            let replacement =
                Draw.chance(0.7, using: &rng)
                ? Draw.element(replacements, using: &rng) : JSONGen.value(depth: 2, using: &rng)
            switch Draw.int(0...4, using: &rng) {
            case 0 where !path.isEmpty:
                value = JSONTree.replacing(at: path, in: value, with: nil)
            case 1:
                guard case .object(let members) = JSONTree.value(at: path, in: value) else { continue }
                let key = Draw.element(knownKeys, using: &rng)
                guard !members.contains(where: { $0.key == key }) else { continue }
                value = JSONTree.replacing(at: path, in: value, with: .object(members + [(key, replacement)]))
            default:
                value = JSONTree.replacing(at: path, in: value, with: replacement)
            }
        }
        var keys = Set<String>()
        if case .object(let members) = value { keys = Set(members.map(\.key)) }
        return ValueEdit(text: JSONGen.write(value, using: &rng), topLevelKeys: keys)
    })
}
