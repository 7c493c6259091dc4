import Foundation
import PropertyBased

@testable import BanditCore

/// Random valid configurations: the `ProxyConfig` the loader must produce, and a document
/// that says it (keys in any order, optional keys sometimes left to their defaults, numbers
/// sometimes written `100.0`, secrets sometimes read from the environment). Paths are ASCII,
/// as every path a request can carry is.
enum ConfigGen {
    static let baseDirectory = "/srv/site"

    struct Valid: Sendable, CustomStringConvertible {
        var expected: ProxyConfig
        var text: String
        var environment: [String: String]
        var description: String { text }
    }

    static let valid = Generator<Valid, Shrink.None<Valid>>(run: { rng in make(using: &rng) })

    static func make<R: RandomNumberGenerator>(using rng: inout R) -> Valid {
        var members: [(key: String, value: JSONValue)] = []
        var environment: [String: String] = [:]
        /// A string member; sometimes written `${NAME}` with the value in the environment.
        func string(_ text: String, using rng: inout R) -> JSONValue {
            guard Draw.chance(0.2, using: &rng) else { return .string(text) }
            let name = "VAR_\(environment.count)"
            environment[name] = text
            return .string("${\(name)}")
        }

        let upstream = upstream(using: &rng)
        var config = ProxyConfig(upstream: upstream.value, storage: .sqlite(path: baseDirectory + "/bandits.sqlite"))
        members.append(("upstream", .string(upstream.text)))
        if Draw.chance(0.5, using: &rng) {
            config.listen = listen(using: &rng)
            members.append(("listen", .string(config.listen.description)))
        }
        if Draw.chance(0.5, using: &rng) {
            let (text, location) = Draw.element(storages, using: &rng)
            config.storage = location
            members.append(("storage", .string(text)))
        }
        if Draw.chance(0.5, using: &rng) {
            config.flushIntervalMs = Draw.int(10...3_600_000, using: &rng)
            members.append(("flushIntervalMs", wholeNumber(config.flushIntervalMs, using: &rng)))
        }
        if Draw.chance(0.5, using: &rng) {
            let token = Draw.string(Alphabet.printable + Alphabet.awkward, count: 1...30, using: &rng)
            config.adminToken = token
            members.append(("adminToken", string(token, using: &rng)))
        }
        if Draw.chance(0.5, using: &rng) {
            let (timeouts, object) = timeouts(using: &rng)
            config.timeouts = timeouts
            members.append(("timeouts", object))
        }
        if Draw.chance(0.7, using: &rng) {
            var session: [(key: String, value: JSONValue)] = []
            if Draw.chance(0.5, using: &rng) {
                config.session.cookie = Draw.string(Alphabet.token, count: 1...20, using: &rng)
                session.append(("cookie", .string(config.session.cookie)))
            }
            if Draw.chance(0.5, using: &rng) {
                var secret = Draw.string(Alphabet.printable + Alphabet.awkward, count: 0...40, using: &rng)
                while secret.utf8.count < 16 { secret += Draw.string(Alphabet.alphanumeric, count: 1...1, using: &rng) }
                config.session.secret = secret
                session.append(("secret", string(secret, using: &rng)))
            }
            if Draw.chance(0.5, using: &rng) {
                config.session.maxAgeDays = Draw.int(1...3650, using: &rng)
                session.append(("maxAgeDays", wholeNumber(config.session.maxAgeDays, using: &rng)))
            }
            if Draw.chance(0.5, using: &rng) {
                config.session.authCookie = Draw.string(Alphabet.token, count: 1...20, using: &rng)
                session.append(("authCookie", .string(config.session.authCookie!)))
            }
            members.append(("session", .object(session.shuffled(using: &rng))))
        }
        if Draw.chance(0.5, using: &rng) {
            let (rules, object) = exclude(using: &rng)
            config.exclude = rules
            members.append(("exclude", object))
        }
        if Draw.chance(0.8, using: &rng) {
            let (experiments, array) = experiments(authCookie: config.session.authCookie, using: &rng)
            config.experiments = experiments
            members.append(("experiments", array))
        }
        if Draw.chance(0.3, using: &rng) {
            let texts = (0..<Draw.int(0...3, using: &rng)).map { _ in cidr(using: &rng) }
            config.trustedProxies = texts.map { IPRange($0)! }
            members.append(("trustedProxies", .array(texts.map { .string($0) })))
        }
        if Draw.chance(0.3, using: &rng) {
            // Up to 2^53: a JSON number is a Double, which holds every whole number up to there.
            let limit = Draw.chance(0.2, using: &rng) ? 1 << 53 : Draw.int(1...(1 << 53), using: &rng)
            config.maxRequestBodyBytes = limit
            members.append(("limits", .object([("maxBodyBytes", wholeNumber(limit, using: &rng))])))
        }
        if Draw.chance(0.3, using: &rng) {
            config.accessLog = Draw.element([.off, .text, .json], using: &rng)
            members.append(("accessLog", .string(config.accessLog.rawValue)))
        }
        if Draw.chance(0.3, using: &rng) {
            config.hostHeader = Draw.element([.client, .upstream], using: &rng)
            members.append(("hostHeader", .string(config.hostHeader.rawValue)))
        }
        if Draw.chance(0.3, using: &rng) {
            config.cacheSafety = Draw.chance(0.5, using: &rng)
            members.append(("cacheSafety", .bool(config.cacheSafety)))
        }
        if upstream.value.scheme == "https", Draw.chance(0.5, using: &rng) {
            // Any readable file passes the loader's check; this source file is one.
            config.upstreamCAFile = #filePath
            members.append(("upstreamTLS", .object([("caFile", .string(#filePath))])))
        }
        let text = JSONGen.write(.object(members.shuffled(using: &rng)), using: &rng)
        return Valid(expected: config, text: text, environment: environment)
    }

    /// A whole number written as `12` or, now and then, `12.0`.
    static func wholeNumber<R: RandomNumberGenerator>(_ value: Int, using rng: inout R) -> JSONValue {
        .number(Double(value), isInteger: !Draw.chance(0.2, using: &rng))
    }

    static let storages: [(String, StorageLocation)] = [
        (":memory:", .memory), ("bandits.sqlite", .sqlite(path: "/srv/site/bandits.sqlite")),
        ("state/b.sqlite", .sqlite(path: "/srv/site/state/b.sqlite")),
        ("../shared/b.sqlite", .sqlite(path: "/srv/shared/b.sqlite")),
        ("/var/lib/b.sqlite", .sqlite(path: "/var/lib/b.sqlite")),
    ]

    static func hostName<R: RandomNumberGenerator>(using rng: inout R) -> String {
        (0..<Draw.int(1...3, using: &rng)).map { _ in
            Draw.string(Alphabet.lower + Alphabet.upper + Alphabet.digits, count: 1...10, using: &rng)
        }.joined(separator: ".")
    }

    static func ipv4<R: RandomNumberGenerator>(using rng: inout R) -> String {
        (0..<4).map { _ in String(Draw.int(0...255, using: &rng)) }.joined(separator: ".")
    }

    static let ipv6 = ["::1", "2001:db8::1", "fe80::a:b", "::", "2001:db8:0:0:0:0:0:2"]

    static func upstream<R: RandomNumberGenerator>(using rng: inout R) -> (text: String, value: UpstreamURL) {
        let scheme = Draw.element(["http", "https"], using: &rng)
        let host: String =
            switch Draw.int(0...2, using: &rng) {
            case 0: hostName(using: &rng)
            case 1: ipv4(using: &rng)
            default: Draw.element(ipv6, using: &rng)
            }
        let port = Draw.chance(0.5, using: &rng) ? Draw.int(1...65535, using: &rng) : nil
        let shown = host.contains(":") ? "[\(host)]" : host
        let text = "\(scheme)://\(shown)" + (port.map { ":\($0)" } ?? "") + (Draw.chance(0.2, using: &rng) ? "/" : "")
        return (text, UpstreamURL(scheme: scheme, host: host, port: port ?? (scheme == "https" ? 443 : 80)))
    }

    static func listen<R: RandomNumberGenerator>(using rng: inout R) -> HostPort {
        let host: String =
            switch Draw.int(0...2, using: &rng) {
            case 0: hostName(using: &rng) + Draw.element(["", "-x", "_y"], using: &rng)
            case 1: ipv4(using: &rng)
            default: Draw.element(ipv6, using: &rng)
            }
        return HostPort(host: host, port: Draw.int(0...65535, using: &rng))
    }

    static func cidr<R: RandomNumberGenerator>(using rng: inout R) -> String {
        if Draw.chance(0.7, using: &rng) {
            return ipv4(using: &rng) + (Draw.chance(0.7, using: &rng) ? "/\(Draw.int(0...32, using: &rng))" : "")
        }
        return Draw.element(ipv6, using: &rng)
            + (Draw.chance(0.7, using: &rng) ? "/\(Draw.int(0...128, using: &rng))" : "")
    }

    /// Seconds in range, whole or with a fraction.
    static func seconds<R: RandomNumberGenerator>(allowZero: Bool, using rng: inout R) -> (Double, JSONValue) {
        switch Draw.int(0...3, using: &rng) {
        case 0:
            let whole = Draw.int(allowZero ? 0...86_400 : 1...86_400, using: &rng)
            return (Double(whole), .number(Double(whole), isInteger: true))
        case 1: return (86_400, .number(86_400, isInteger: true))
        default:
            let value = Double.random(in: 0.001...86_400, using: &rng)
            return (value, .number(value, isInteger: false))
        }
    }

    static func timeouts<R: RandomNumberGenerator>(using rng: inout R) -> (Timeouts, JSONValue) {
        var timeouts = Timeouts()
        var members: [(key: String, value: JSONValue)] = []
        let keys: [(String, WritableKeyPath<Timeouts, Double>, Bool)] = [
            ("connectSeconds", \.connectSeconds, false), ("responseSeconds", \.responseSeconds, false),
            ("idleSeconds", \.idleSeconds, false), ("clientIdleSeconds", \.clientIdleSeconds, false),
            ("shutdownGraceSeconds", \.shutdownGraceSeconds, true), ("tunnelIdleSeconds", \.tunnelIdleSeconds, false),
        ]
        for (key, field, allowZero) in keys where Draw.chance(0.5, using: &rng) {
            let (value, json) = seconds(allowZero: allowZero, using: &rng)
            timeouts[keyPath: field] = value
            members.append((key, json))
        }
        return (timeouts, .object(members))
    }

    static let regexes = [#"\.php$"#, "^/wp-", "(?i)bot|crawler|spider", "a{1,3}", "[a-z]+/x", #"\d+"#]

    static func exclude<R: RandomNumberGenerator>(using rng: inout R) -> (ExcludeRules, JSONValue) {
        var rules = ExcludeRules()
        var members: [(key: String, value: JSONValue)] = []
        if Draw.chance(0.6, using: &rng) {
            rules.paths = (0..<Draw.int(0...3, using: &rng)).map { _ in
                PathGen.patternPath(from: PathGen.asciiPieces, using: &rng)
            }
            members.append(("paths", .array(rules.paths.map { .string($0) })))
        }
        if Draw.chance(0.5, using: &rng) {
            rules.regex = Draw.element(regexes, using: &rng)
            members.append(("regex", .string(rules.regex!)))
        }
        if Draw.chance(0.5, using: &rng) {
            rules.userAgents = Draw.element(regexes, using: &rng)
            members.append(("userAgents", .string(rules.userAgents!)))
        }
        return (rules, .object(members))
    }

    static func experiments<R: RandomNumberGenerator>(authCookie: String?, using rng: inout R) -> (
        [ExperimentConfig], JSONValue
    ) {
        let names = Draw.distinct(Draw.int(0...4, using: &rng), using: &rng) {
            Draw.string(Alphabet.experimentName, count: 1...64, using: &$0)
        }
        var headers = Set<String>()
        var queries = Set<String>()
        var configs: [ExperimentConfig] = []
        var objects: [JSONValue] = []
        for name in names {
            var members: [(key: String, value: JSONValue)] = [("name", .string(name))]
            let source = pattern(using: &rng)
            let (goals, target) = goals(source: PathPattern(source), using: &rng)
            members += [("source", .string(source)), ("target", target)]
            var experiment = ExperimentConfig(name: name, source: PathPattern(source), target: goals[0].path)
            experiment.goals = goals
            if Draw.chance(0.7, using: &rng) {
                experiment.arms = Draw.distinct(Draw.int(2...5, using: &rng), using: &rng) {
                    Draw.string(Alphabet.armName, count: 1...64, using: &$0)
                }
                members.append(("arms", .array(experiment.arms.map { .string($0) })))
            }
            let (algorithm, algorithmMembers) = algorithm(using: &rng)
            experiment.algorithm = algorithm
            members += algorithmMembers
            // Injection: a unique header (the default one if free), or a unique query parameter.
            let defaultHeader = "X-Bandit-\(name)"
            if Draw.chance(0.3, using: &rng) {
                var query = Draw.string(Alphabet.armName, count: 1...20, using: &rng)
                while queries.contains(query) || query.hasPrefix("bandit_force_") { query += "q" }
                queries.insert(query)
                experiment.injection = .query(query)
                members.append(("query", .string(query)))
            } else if !headers.contains(defaultHeader.lowercased()) && Draw.chance(0.5, using: &rng) {
                headers.insert(defaultHeader.lowercased())
                experiment.injection = .header(defaultHeader)
            } else {
                var header = "X-" + Draw.string(Alphabet.token, count: 1...20, using: &rng)
                while headers.contains(header.lowercased()) { header += "h" }
                headers.insert(header.lowercased())
                experiment.injection = .header(header)
                members.append(("header", .string(header)))
            }
            if Draw.chance(0.5, using: &rng) {
                experiment.minViews = Draw.skewed(upTo: Int(Int32.max), using: &rng)
                members.append(("minViews", wholeNumber(experiment.minViews, using: &rng)))
            }
            if Draw.chance(0.5, using: &rng) {
                experiment.significance =
                    Draw.chance(0.2, using: &rng) ? 0.5 : Double.random(in: 1e-9...0.5, using: &rng)
                members.append(("significance", .number(experiment.significance, isInteger: false)))
            }
            if Draw.chance(0.3, using: &rng) {
                let coverage = Draw.chance(0.2, using: &rng) ? 1 : Double.random(in: 1e-6...1, using: &rng)
                experiment.coverage = coverage
                members.append(("coverage", .number(coverage, isInteger: false)))
            }
            if Draw.chance(0.3, using: &rng) {
                let (seconds, value) = attributionWindow(using: &rng)
                experiment.attributionWindowSeconds = seconds
                members.append(("attributionWindow", value))
            }
            // Without minShare a bandit policy keeps the default floor.
            experiment.minShares = ExperimentConfig.defaultMinShares(arms: experiment.arms.count, algorithm: algorithm)
            if Draw.chance(0.3, using: &rng) {
                let effect: MinimumDetectableEffect =
                    Draw.chance(0.5, using: &rng) ? .absolute(0.005) : .relative(0.15)
                experiment.minDetectableEffect = effect
                members.append(
                    (
                        "minDetectableEffect",
                        effect == .absolute(0.005) ? .number(0.005, isInteger: false) : .string("15%")
                    ))
            }
            if Draw.chance(0.4, using: &rng) {
                if algorithm == .uniform {
                    let (shares, value) = weights(arms: experiment.arms, using: &rng)
                    experiment.weights = shares
                    members.append(("weights", value))
                } else {
                    let (floors, value) = minShares(arms: experiment.arms.count, using: &rng)
                    experiment.minShares = floors
                    members.append(("minShare", value))
                }
            }
            if authCookie != nil, Draw.chance(0.5, using: &rng) {
                experiment.ignoreAuthenticated = Draw.chance(0.5, using: &rng)
                members.append(("ignoreAuthenticated", .bool(experiment.ignoreAuthenticated)))
            }
            configs.append(experiment)
            objects.append(.object(members.shuffled(using: &rng)))
        }
        return (configs, .array(objects))
    }

    static func pattern<R: RandomNumberGenerator>(using rng: inout R) -> String {
        PathGen.patternPath(from: PathGen.asciiPieces, using: &rng) + (Draw.chance(0.3, using: &rng) ? "*" : "")
    }

    /// `target`: one path, or a list of paths and goals (a method, statuses below 400). None
    /// is the source itself without a method.
    static func goals<R: RandomNumberGenerator>(source: PathPattern, using rng: inout R) -> ([Goal], JSONValue) {
        var goals: [Goal] = []
        var values: [JSONValue] = []
        let single = Draw.chance(0.5, using: &rng)
        for _ in 0..<(single ? 1 : Draw.int(1...3, using: &rng)) {
            var path = pattern(using: &rng)
            let method =
                Draw.chance(0.4, using: &rng) ? Draw.element(["POST", "post", "Put", "DELETE"], using: &rng) : nil
            while method == nil && PathPattern(path) == source { path = pattern(using: &rng) }
            let status =
                Draw.chance(0.4, using: &rng)
                ? Draw.element(["1xx", "2xx", "2XX", "3xx", "201", "399"], using: &rng) : nil
            goals.append(
                Goal(path: PathPattern(path), method: method?.uppercased(), statuses: status.flatMap(Goal.parseStatus)))
            if !single && method == nil && status == nil && Draw.chance(0.5, using: &rng) {
                values.append(.string(path))
            } else {
                var members: [(key: String, value: JSONValue)] = [("path", .string(path))]
                if let method { members.append(("method", .string(method))) }
                if let status { members.append(("status", .string(status))) }
                values.append(single && members.count == 1 ? .string(path) : .object(members.shuffled(using: &rng)))
            }
        }
        return (goals, single && values.count == 1 ? values[0] : .array(values))
    }

    /// `"30m"`, `"12h"`, `"7d"`, `"90s"`, or a number of seconds (a fraction is cut off).
    static func attributionWindow<R: RandomNumberGenerator>(using rng: inout R) -> (Int, JSONValue) {
        if Draw.chance(0.5, using: &rng) {
            let (unit, seconds) = Draw.element([("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)], using: &rng)
            let amount = Draw.int(1...1000, using: &rng)
            return (amount * seconds, .string("\(amount)\(unit)"))
        }
        let seconds = Double.random(in: 1...3.2e9, using: &rng)
        return (Int(seconds), .number(seconds, isInteger: false))
    }

    /// Uniform weights ≥ 0, not all 0, as a list or by arm name (missing arms 0); the loader
    /// makes shares of them.
    static func weights<R: RandomNumberGenerator>(arms: [String], using rng: inout R) -> ([Double], JSONValue) {
        var values = arms.map { _ in Draw.chance(0.2, using: &rng) ? 0 : Double(Draw.int(1...100, using: &rng)) }
        if values.allSatisfy({ $0 == 0 }) { values[0] = 1 }
        let total = values.reduce(0, +)
        let shares = values.map { $0 / total }
        if Draw.chance(0.5, using: &rng) {
            return (shares, .array(values.map { .number($0, isInteger: true) }))
        }
        let named = zip(arms, values).filter { $1 > 0 || Draw.chance(0.5, using: &rng) }
        return (shares, .object(named.map { (key: $0, value: .number($1, isInteger: true)) }.shuffled(using: &rng)))
    }

    /// Floors for a bandit policy: one share for every arm, or one each, at most 1 in all.
    static func minShares<R: RandomNumberGenerator>(arms: Int, using rng: inout R) -> ([Double], JSONValue) {
        if Draw.chance(0.5, using: &rng) {
            let share = Double.random(in: 0...(1 / Double(arms)), using: &rng)
            return (Array(repeating: share, count: arms), .number(share, isInteger: false))
        }
        let shares = (0..<arms).map { _ in Double(Draw.int(0...100, using: &rng)) / Double(100 * arms) }
        return (shares, .array(shares.map { .number($0, isInteger: false) }))
    }

    /// An algorithm and its members; a parameter left out takes its default.
    static func algorithm<R: RandomNumberGenerator>(using rng: inout R) -> (
        Algorithm, [(key: String, value: JSONValue)]
    ) {
        func parameter(_ key: String, _ range: ClosedRange<Double>, default value: Double, using rng: inout R) -> (
            Double, [(key: String, value: JSONValue)]
        ) {
            guard Draw.chance(0.7, using: &rng) else { return (value, []) }
            let drawn =
                Draw.chance(0.2, using: &rng)
                ? Draw.element([range.lowerBound, range.upperBound], using: &rng)
                : Double.random(in: range, using: &rng)
            return (drawn, [(key, .number(drawn, isInteger: false))])
        }
        let name = Draw.element(
            ["thompson", "top-two-thompson", "epsilon-greedy", "epsilon-decay", "ucb1", "uniform"], using: &rng)
        let named: [(key: String, value: JSONValue)] =
            Draw.chance(0.2, using: &rng) && name == "thompson" ? [] : [("algorithm", .string(name))]
        switch name {
        case "top-two-thompson":
            let (beta, members) = parameter("beta", 0...1, default: 0.5, using: &rng)
            return (.topTwoThompson(beta: beta), named + members)
        case "epsilon-greedy":
            let (epsilon, members) = parameter("epsilon", 0...1, default: 0.1, using: &rng)
            return (.epsilonGreedy(epsilon: epsilon), named + members)
        case "epsilon-decay":
            let (k, members) = parameter("k", Double.leastNonzeroMagnitude...1e12, default: 100, using: &rng)
            return (.epsilonDecay(k: k), named + members)
        case "ucb1":
            let (c, members) = parameter("c", Double.leastNonzeroMagnitude...1e6, default: 2, using: &rng)
            return (.ucb1(c: c), named + members)
        case "uniform": return (.uniform, named)
        default: return (.thompson, named)
        }
    }
}
