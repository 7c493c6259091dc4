import BanditHTML

/// The keys that shape who enters an experiment, how traffic is split and what counts as a
/// conversion: `target` goals, `coverage`, `weights`, `minShare`, `attributionWindow`.
extension ExperimentConfigReader {
    /// `target`: a path, or a list of paths, `{"path", "method", "status"}` goals and
    /// `{"click": selector}` / `{"submit": selector}` goals.
    func readGoals(_ members: [String: JSONValue], at path: String) -> (paths: [Goal], elements: [ElementGoal])? {
        let keyPath = reader.join(path, "target")
        guard let value = members["target"] else {
            reader.fail(keyPath, "is required")
            return nil
        }
        let elements: [JSONValue]
        var isList = false
        if case .array(let list) = value {
            isList = true
            guard !list.isEmpty else {
                reader.fail(keyPath, "is an empty list; give at least one path or goal")
                return nil
            }
            elements = list
        } else {
            elements = [value]
        }
        var paths: [Goal] = []
        var elementGoals: [ElementGoal] = []
        var failed = false
        for (index, element) in elements.enumerated() {
            let elementPath = isList ? "\(keyPath)[\(index)]" : keyPath
            switch readGoal(element, at: elementPath) {
            case .path(let goal)?: paths.append(goal)
            case .element(let goal)?: elementGoals.append(goal)
            case nil: failed = true
            }
        }
        return failed ? nil : (paths, elementGoals)
    }

    private enum ReadGoal {
        case path(Goal)
        case element(ElementGoal)
    }

    private func readGoal(_ value: JSONValue, at keyPath: String) -> ReadGoal? {
        if case .string = value {
            return pathPattern(value, at: keyPath).map { .path(Goal(path: $0)) }
        }
        guard case .object(let given) = value else {
            reader.fail(
                keyPath,
                value.mismatch(expected: "a path, or an object with path, method and status, or click or submit"))
            return nil
        }
        let events = ElementGoal.Event.allCases.filter { event in given.contains { $0.key == event.rawValue } }
        if !events.isEmpty { return readElementGoal(value, events: events, at: keyPath).map { .element($0) } }
        guard let members = reader.object(value, at: keyPath, known: ConfigKeys.goal) else { return nil }
        guard let pathValue = members["path"] else {
            reader.fail("\(keyPath).path", "is required (or click or submit, for a goal on the page)")
            return nil
        }
        let path = pathPattern(pathValue, at: "\(keyPath).path")
        var method: String?
        if let given = reader.string(members, "method", at: keyPath) {
            if Syntax.isToken(given) {
                method = given.uppercased()
            } else {
                reader.fail("\(keyPath).method", "\"\(given)\" is not an HTTP method")
            }
        }
        var statuses: ClosedRange<Int>?
        if let given = reader.string(members, "status", at: keyPath) {
            statuses = Goal.parseStatus(given)
            if let range = statuses, range.lowerBound < 100 || range.upperBound >= 400 {
                reader.fail(
                    "\(keyPath).status", "\"\(given)\" is an error status; a conversion needs a status below 400")
                statuses = nil
            } else if statuses == nil {
                reader.fail("\(keyPath).status", "\"\(given)\" is not a status; use e.g. \"2xx\", \"3xx\" or \"201\"")
            }
        }
        guard let path else { return nil }
        return .path(Goal(path: path, method: method, statuses: statuses))
    }

    /// `{"click": "a.cta"}` or `{"submit": "form#signup"}`: one event, one selector, nothing else.
    private func readElementGoal(_ value: JSONValue, events: [ElementGoal.Event], at keyPath: String) -> ElementGoal? {
        guard let members = reader.object(value, at: keyPath, known: ConfigKeys.goal) else { return nil }
        guard events.count == 1, let event = events.first else {
            reader.fail(keyPath, "names both click and submit; give one goal for each")
            return nil
        }
        for key in ["path", "method", "status"] where members[key] != nil {
            reader.fail(
                "\(keyPath).\(key)", "does not go with \(event.rawValue); a goal on the page has only its selector")
            return nil
        }
        guard let text = reader.string(members, event.rawValue, at: keyPath) else { return nil }
        do {
            return ElementGoal(event, try HTMLSelector(parsing: text))
        } catch {
            reader.fail("\(keyPath).\(event.rawValue)", "\(error)")
            return nil
        }
    }

    /// `coverage`: the share of new sessions that enter, above 0 and at most 1.
    func readCoverage(_ members: [String: JSONValue], at path: String) -> Double {
        reader.number(
            members, "coverage", at: path, in: Double.leastNonzeroMagnitude...1, what: "a number above 0 and at most 1")
            ?? 1
    }

    /// `weights` (uniform only): one number ≥ 0 per arm, as a list in arm order or an object
    /// by arm name; normalised to shares summing to 1.
    func readWeights(_ members: [String: JSONValue], at path: String, arms: [String], algorithm: Algorithm?)
        -> [Double]?
    {
        guard members["weights"] != nil else { return nil }
        if let algorithm, algorithm != .uniform {
            reader.fail(
                "\(path).weights",
                "applies to uniform only; a bandit policy sets its own split (use minShare to keep a floor)")
            return nil
        }
        guard var values = perArm(members, "weights", at: path, arms: arms) else { return nil }
        // Weights near Double's limit would overflow the total (and every share would be 0):
        // dividing by the largest first keeps the ratios.
        if !values.reduce(0, +).isFinite, let largest = values.max() { values = values.map { $0 / largest } }
        let total = values.reduce(0, +)
        guard total > 0 else {
            reader.fail("\(path).weights", "are all 0; at least one arm needs a share")
            return nil
        }
        return values.map { $0 / total }
    }

    /// `minShare` (bandit policies): a share every arm keeps, or one per arm; at most 1 in all.
    func readMinShares(_ members: [String: JSONValue], at path: String, arms: [String], algorithm: Algorithm?)
        -> [Double]?
    {
        guard let value = members["minShare"] else { return nil }
        if algorithm == .uniform {
            reader.fail("\(path).minShare", "does not apply to uniform, which already splits evenly (see weights)")
            return nil
        }
        let shares: [Double]?
        if case .number(let share, _) = value {
            shares = Array(repeating: share, count: arms.count)
        } else {
            shares = perArm(members, "minShare", at: path, arms: arms)
        }
        guard let shares else { return nil }
        if shares.contains(where: { $0 < 0 || $0 > 1 }) {
            reader.fail("\(path).minShare", "must be between 0 and 1")
            return nil
        }
        let total = shares.reduce(0, +)
        if total > 1 + 1e-9 {
            reader.fail(
                "\(path).minShare",
                "adds up to \(reader.formatted(total)) over \(arms.count) arms; the floors together may be at most 1")
            return nil
        }
        return shares
    }

    /// `minDetectableEffect`: a number in (0, 1), in conversion-rate units (0.01 is one
    /// percentage point), or a lift in percent as a string (`"10%"`).
    func readMinDetectableEffect(_ members: [String: JSONValue], at path: String) -> MinimumDetectableEffect? {
        guard let value = members["minDetectableEffect"] else { return nil }
        let keyPath = "\(path).minDetectableEffect"
        switch value {
        case .number(let effect, _) where effect > 0 && effect < 1:
            return .absolute(effect)
        case .string(let text) where text.hasSuffix("%"):
            if let percent = Double(String(text.dropLast().filter { $0 != " " })), percent > 0,
                percent <= 1000
            {
                return .relative(percent / 100)
            }
            reader.fail(keyPath, "\"\(text)\" is not a lift; use a percentage above 0, e.g. \"10%\"")
        default:
            reader.fail(
                keyPath,
                "expected a difference in conversion rate between 0 and 1 (0.01 is one percentage point) "
                    + "or a lift in percent such as \"10%\"")
        }
        return nil
    }

    /// `attributionWindow`: `"30m"`, `"12h"`, `"7d"`, or a number of seconds.
    func readAttributionWindow(_ members: [String: JSONValue], at path: String) -> Int? {
        guard let value = members["attributionWindow"] else { return nil }
        let keyPath = "\(path).attributionWindow"
        switch value {
        case .number(let seconds, _) where seconds >= 1 && seconds <= 3.2e9:
            return Int(seconds)
        case .string(let text):
            let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
            if let unit = text.last.flatMap({ units[$0] }), let amount = Int(text.dropLast()), amount > 0,
                amount <= 100 * 365 * 86_400 / unit
            {
                return amount * unit
            }
            reader.fail(keyPath, "\"\(text)\" is not a duration; use e.g. \"30m\", \"12h\" or \"7d\"")
        default:
            reader.fail(keyPath, value.mismatch(expected: "a duration such as \"7d\", or a number of seconds ≥ 1"))
        }
        return nil
    }

    /// One number per arm: a list in arm order, or an object keyed by arm name (missing arms 0).
    private func perArm(_ members: [String: JSONValue], _ key: String, at path: String, arms: [String]) -> [Double]? {
        let keyPath = "\(path).\(key)"
        switch members[key] {
        case .array(let elements):
            guard elements.count == arms.count else {
                reader.fail(keyPath, "has \(elements.count) values for \(arms.count) arms; give one per arm")
                return nil
            }
            var values: [Double] = []
            for (index, element) in elements.enumerated() {
                // JSON has no infinity, but 1e400 reads as one: refused like a negative number.
                guard case .number(let number, _) = element, number >= 0, number.isFinite else {
                    reader.fail("\(keyPath)[\(index)]", element.mismatch(expected: "a number ≥ 0"))
                    return nil
                }
                values.append(number)
            }
            return values
        case .object(let byName):
            var values = Array(repeating: 0.0, count: arms.count)
            for (name, element) in byName {
                guard let index = arms.firstIndex(of: name) else {
                    reader.fail("\(keyPath).\(name)", "is not one of the arms (\(arms.joined(separator: ", ")))")
                    return nil
                }
                guard case .number(let number, _) = element, number >= 0, number.isFinite else {
                    reader.fail("\(keyPath).\(name)", element.mismatch(expected: "a number ≥ 0"))
                    return nil
                }
                values[index] = number
            }
            return values
        case let other?:
            reader.fail(keyPath, other.mismatch(expected: "a list with one number per arm, or an object by arm name"))
            return nil
        case nil:
            return nil
        }
    }
}
