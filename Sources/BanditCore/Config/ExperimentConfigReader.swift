/// Reads and checks the `experiments` array.
struct ExperimentConfigReader {
    let reader: ConfigReader
    let session: SessionSettings
    /// `timeouts.responseSeconds`: a `guardrails.slowMs` must be below it.
    var responseTimeoutSeconds = Timeouts().responseSeconds

    /// Header names an experiment may not inject (lowercased): hop-by-hop and framing headers,
    /// the request's identity, and the forwarding headers the proxy writes itself.
    static let reservedHeaders: Set<String> = [
        "host", "cookie", "authorization", "proxy-authorization", "content-length", "content-type",
        "content-encoding", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer",
        "upgrade", "expect", "user-agent", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
    ]
    /// Which parameters each algorithm takes.
    static let parameters: [String: [String]] = [
        "thompson": [], "top-two-thompson": ["beta"], "epsilon-greedy": ["epsilon"], "epsilon-decay": ["k"],
        "ucb1": ["c"], "uniform": [],
    ]

    func read(_ value: JSONValue) -> [ExperimentConfig] {
        guard case .array(let elements) = value else {
            reader.fail("experiments", value.mismatch(expected: "an array of experiments"))
            return []
        }
        var experiments: [ExperimentConfig] = []
        var names: [String: Int] = [:]
        var headers: [String: Int] = [:]
        var queries: [String: Int] = [:]
        for (index, element) in elements.enumerated() {
            let path = "experiments[\(index)]"
            guard let experiment = readOne(element, at: path) else { continue }
            if let first = names[experiment.name] {
                reader.fail("\(path).name", "\"\(experiment.name)\" is already the name of experiments[\(first)]")
            }
            names[experiment.name] = names[experiment.name] ?? index
            switch experiment.injection {
            case .header(let header):
                if let first = headers[header.lowercased()] {
                    reader.fail("\(path).header", "\"\(header)\" is already injected by experiments[\(first)]")
                }
                headers[header.lowercased()] = headers[header.lowercased()] ?? index
            case .query(let query):
                if let first = queries[query] {
                    reader.fail("\(path).query", "\"\(query)\" is already injected by experiments[\(first)]")
                }
                queries[query] = queries[query] ?? index
            }
            experiments.append(experiment)
        }
        return experiments
    }

    private func readOne(_ value: JSONValue, at path: String) -> ExperimentConfig? {
        guard let members = reader.object(value, at: path, known: ConfigKeys.experiment) else { return nil }
        let errorsBefore = reader.errors.count

        let name = required(members, "name", at: path)
        if let name, !Syntax.isName(name, extra: "_-") || name.count > 64 {
            reader.fail("\(path).name", "\"\(name)\" is not allowed; use up to 64 letters, digits, '_' and '-'")
        }
        let source = pathPattern(members, "source", at: path)
        let goals = readGoals(members, at: path)
        // A form may post to the page it is on; a mere visit of the source is its view.
        if let source, let goals, goals.paths.contains(where: { $0.path == source && $0.method == nil }) {
            reader.fail(
                "\(path).target",
                "is the same path as source; a conversion must happen on another page (or name a method, e.g. POST)")
        }

        let (arms, variants) = readArms(members, at: path, source: source)

        let algorithm = readAlgorithm(members, at: path)
        let injection = readInjection(members, at: path, name: name)
        let minViews = reader.integer(members, "minViews", at: path, in: 0...Int(Int32.max), what: "a whole number ≥ 0")
        let significance = reader.number(
            members, "significance", at: path, in: Double.leastNonzeroMagnitude...0.5,
            what: "a number above 0 and at most 0.5")
        let ignoreAuthenticated = reader.bool(members, "ignoreAuthenticated", at: path) ?? false
        if ignoreAuthenticated && session.authCookie == nil {
            reader.fail(
                "\(path).ignoreAuthenticated",
                "needs session.authCookie, the cookie that marks a logged-in user (e.g. \"sessionid\")")
        }

        let coverage = readCoverage(members, at: path)
        let weights = readWeights(members, at: path, arms: arms, algorithm: algorithm)
        let minShares = readMinShares(members, at: path, arms: arms, algorithm: algorithm)
        let minDetectableEffect = readMinDetectableEffect(members, at: path)
        let attributionWindow = readAttributionWindow(members, at: path)
        var countViews = ViewCounting.all
        if let given = reader.string(members, "countViews", at: path) {
            if let parsed = ViewCounting(rawValue: given) {
                countViews = parsed
            } else {
                reader.fail("\(path).countViews", "\"\(given)\" is not allowed; expected \"all\" or \"confirmed\"")
            }
        }
        let segments = readSegments(members, at: path)
        let version = reader.integer(
            members, "version", at: path, in: 1...Int(Int32.max), what: "a whole number ≥ 1")
        let guardrails = readGuardrails(members, at: path)

        guard reader.errors.count == errorsBefore, let name, let source, let goals, let algorithm else { return nil }
        var experiment = ExperimentConfig(
            name: name, source: source, target: source, arms: arms, algorithm: algorithm, injection: injection,
            minViews: minViews ?? 100, significance: significance ?? 0.05, ignoreAuthenticated: ignoreAuthenticated)
        experiment.goals = goals.paths
        experiment.elementGoals = goals.elements
        experiment.armVariants = variants
        experiment.coverage = coverage
        experiment.weights = weights
        experiment.minShares = minShares ?? ExperimentConfig.defaultMinShares(arms: arms.count, algorithm: algorithm)
        experiment.minDetectableEffect = minDetectableEffect ?? .standard
        experiment.attributionWindowSeconds = attributionWindow
        experiment.countViews = countViews
        experiment.version = version ?? 1
        experiment.segments = segments
        experiment.guardrails = guardrails
        return experiment
    }

    private func required(_ members: [String: JSONValue], _ key: String, at path: String) -> String? {
        guard members[key] != nil else {
            reader.fail("\(path).\(key)", "is required")
            return nil
        }
        return reader.string(members, key, at: path)
    }

    private func pathPattern(_ members: [String: JSONValue], _ key: String, at path: String) -> PathPattern? {
        guard let value = members[key] else {
            reader.fail("\(path).\(key)", "is required")
            return nil
        }
        return pathPattern(value, at: "\(path).\(key)")
    }

    func pathPattern(_ value: JSONValue, at keyPath: String) -> PathPattern? {
        guard case .string(let raw) = value else {
            reader.fail(keyPath, value.mismatch(expected: "a path (a string starting with \"/\")"))
            return nil
        }
        guard let text = reader.substitute(raw, at: keyPath) else { return nil }
        guard text.hasPrefix("/") else {
            reader.fail(keyPath, "\"\(text)\" must start with \"/\"")
            return nil
        }
        if let star = text.firstIndex(of: "*"), star != text.index(before: text.endIndex) {
            reader.fail(keyPath, "\"\(text)\" may use '*' only as its last character (a prefix match)")
            return nil
        }
        if text.contains("?") || text.contains("#") {
            reader.fail(keyPath, "\"\(text)\" has a query or fragment; paths match without them")
            return nil
        }
        return PathPattern(text)
    }

    private func readAlgorithm(_ members: [String: JSONValue], at path: String) -> Algorithm? {
        let name = reader.string(members, "algorithm", at: path) ?? "thompson"
        guard let allowed = Self.parameters[name] else {
            reader.fail(
                "\(path).algorithm",
                "\"\(name)\" is not known; expected one of \(Self.parameters.keys.sorted().joined(separator: ", "))")
            return nil
        }
        for key in ["epsilon", "k", "c", "beta"] where members[key] != nil && !allowed.contains(key) {
            reader.fail(
                "\(path).\(key)", "does not apply to \(name)\(allowed.isEmpty ? "" : "; it takes \(allowed[0])")")
        }
        switch name {
        case "epsilon-greedy":
            let epsilon = reader.number(members, "epsilon", at: path, in: 0...1, what: "a number from 0 to 1")
            return members["epsilon"] != nil && epsilon == nil ? nil : .epsilonGreedy(epsilon: epsilon ?? 0.1)
        case "epsilon-decay":
            let k = reader.number(
                members, "k", at: path, in: Double.leastNonzeroMagnitude...1e12, what: "a number above 0")
            return members["k"] != nil && k == nil ? nil : .epsilonDecay(k: k ?? 100)
        case "ucb1":
            let c = reader.number(
                members, "c", at: path, in: Double.leastNonzeroMagnitude...1e6, what: "a number above 0")
            return members["c"] != nil && c == nil ? nil : .ucb1(c: c ?? 2.0)
        case "top-two-thompson":
            let beta = reader.number(members, "beta", at: path, in: 0...1, what: "a number from 0 to 1")
            return members["beta"] != nil && beta == nil ? nil : .topTwoThompson(beta: beta ?? 0.5)
        case "uniform": return .uniform
        default: return .thompson
        }
    }

    private func readInjection(_ members: [String: JSONValue], at path: String, name: String?) -> Injection? {
        let header = reader.string(members, "header", at: path)
        let query = reader.string(members, "query", at: path)
        if header != nil && query != nil {
            reader.fail("\(path).query", "give either header or query, not both")
            return nil
        }
        if let header {
            guard Syntax.isToken(header) else {
                reader.fail(
                    "\(path).header", "\"\(header)\" is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)")
                return nil
            }
            // A client's own copy of an experiment header is removed and replaced by the arm:
            // for these that would break framing, routing, cookies or the proxy's own headers.
            if Self.reservedHeaders.contains(header.lowercased()) {
                reader.fail(
                    "\(path).header",
                    "\"\(header)\" is a header HTTP or the proxy relies on; choose another, e.g. \"X-Bandit-\(name ?? "name")\""
                )
                return nil
            }
            return .header(header)
        }
        if let query {
            guard Syntax.isName(query, extra: "_.-") else {
                reader.fail("\(path).query", "\"\(query)\" is not allowed; use letters, digits, '_', '.' and '-'")
                return nil
            }
            if query.hasPrefix(ExperimentEngine.forceParameterPrefix) {
                reader.fail(
                    "\(path).query",
                    "\"\(query)\" starts with \(ExperimentEngine.forceParameterPrefix), which is kept for forcing an arm"
                )
                return nil
            }
            return .query(query)
        }
        return nil  // the default header, X-Bandit-<name>
    }
}
