/// Reads typed values out of a JSON object while recording every problem with its key
/// path, so one pass reports all mistakes in a file.
final class ConfigReader {
    private(set) var errors: [ConfigError] = []
    let environment: [String: String]

    init(environment: [String: String]) { self.environment = environment }

    func fail(_ path: String, _ message: String) {
        errors.append(ConfigError(keyPath: path, message: message))
    }

    /// A JSON object's members, or nil (and an error) when `value` is something else.
    func object(_ value: JSONValue, at path: String, known: [String]) -> [String: JSONValue]? {
        guard case .object(let members) = value else {
            fail(path, value.mismatch(expected: "an object"))
            return nil
        }
        var result: [String: JSONValue] = [:]
        for (key, member) in members {
            if known.contains(key) {
                result[key] = member
            } else {
                let suggestion = ConfigReader.closest(to: key, in: known).map { " (did you mean \"\($0)\"?)" } ?? ""
                // An empty key is shown as "" so that the problem still has a place to point at.
                fail(
                    join(path, key.isEmpty ? "\"\"" : key),
                    "unknown key\(suggestion); known keys here: \(known.joined(separator: ", "))")
            }
        }
        return result
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A string; `${NAME}` reads the environment variable NAME.
    func string(_ members: [String: JSONValue], _ key: String, at path: String) -> String? {
        guard let value = members[key] else { return nil }
        let keyPath = join(path, key)
        guard case .string(let text) = value else {
            fail(keyPath, value.mismatch(expected: "a string"))
            return nil
        }
        return substitute(text, at: keyPath)
    }

    func substitute(_ text: String, at keyPath: String) -> String? {
        guard text.hasPrefix("${"), text.hasSuffix("}"), text.count > 3 else { return text }
        let name = String(text.dropFirst(2).dropLast())
        guard let value = environment[name] else {
            fail(keyPath, "environment variable \(name) is not set (the value is \"\(text)\")")
            return nil
        }
        return value
    }

    func number(_ members: [String: JSONValue], _ key: String, at path: String) -> Double? {
        guard let value = members[key] else { return nil }
        guard case .number(let number, _) = value else {
            fail(join(path, key), value.mismatch(expected: "a number"))
            return nil
        }
        return number
    }

    /// A whole number (`100`, also `100.0` or `1e2`), still as a Double so that a huge one can be
    /// reported as out of range instead of overflowing.
    private func wholeNumber(_ members: [String: JSONValue], _ key: String, at path: String, what: String) -> Double? {
        guard let value = members[key] else { return nil }
        guard case .number(let number, _) = value else {
            fail(join(path, key), value.mismatch(expected: "a whole number"))
            return nil
        }
        guard number.isFinite, number == number.rounded(.towardZero) else {
            fail(join(path, key), "\(value.excerpt) is not a whole number; expected \(what)")
            return nil
        }
        return number
    }

    func bool(_ members: [String: JSONValue], _ key: String, at path: String) -> Bool? {
        guard let value = members[key] else { return nil }
        guard case .bool(let flag) = value else {
            fail(join(path, key), value.mismatch(expected: "true or false"))
            return nil
        }
        return flag
    }

    func strings(_ members: [String: JSONValue], _ key: String, at path: String) -> [String]? {
        guard let value = members[key] else { return nil }
        let keyPath = join(path, key)
        guard case .array(let elements) = value else {
            fail(keyPath, value.mismatch(expected: "an array of strings"))
            return nil
        }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                fail("\(keyPath)[\(index)]", element.mismatch(expected: "a string"))
                continue
            }
            if let text = substitute(text, at: "\(keyPath)[\(index)]") { result.append(text) }
        }
        return result
    }

    /// A number that must lie in a range; `what` says the allowed range in words.
    func number(
        _ members: [String: JSONValue], _ key: String, at path: String, in range: ClosedRange<Double>, what: String
    ) -> Double? {
        guard let value = number(members, key, at: path) else { return nil }
        guard range.contains(value) else {
            fail(join(path, key), "\(formatted(value)) is out of range; expected \(what)")
            return nil
        }
        return value
    }

    func integer(
        _ members: [String: JSONValue], _ key: String, at path: String, in range: ClosedRange<Int>, what: String
    ) -> Int? {
        guard let value = wholeNumber(members, key, at: path, what: what) else { return nil }
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound), let whole = Int(exactly: value),
            range.contains(whole)
        else {
            fail(join(path, key), "\(formatted(value)) is out of range; expected \(what)")
            return nil
        }
        return whole
    }

    /// `5` rather than `5.0`, `0.25` as it is.
    func formatted(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The known key a typo most likely meant (edit distance ≤ 2), if any.
    static func closest(to key: String, in known: [String]) -> String? {
        let best = known.map { ($0, distance(key.lowercased(), $0.lowercased())) }.min { $0.1 < $1.1 }
        return best.flatMap { $0.1 <= 2 ? $0.0 : nil }
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Character classes the config validates names against.
enum Syntax {
    /// RFC 9110 `token`: header names, cookie names.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
            }
    }

    /// Letters, digits and the given extra characters (ASCII only).
    static func isName(_ text: String, extra: String) -> Bool {
        !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || extra.unicodeScalars.contains(scalar))
            }
    }
}
