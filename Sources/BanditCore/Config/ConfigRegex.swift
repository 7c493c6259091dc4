import Foundation

/// Checks the `exclude` expressions. NSRegularExpression (ICU) says only "the value is invalid",
/// so when it refuses a pattern a quick scan looks for the usual culprits to say why.
enum ConfigRegex {
    /// nil when the expression compiles; otherwise why it does not.
    static func problem(in pattern: String) -> String? {
        if (try? NSRegularExpression(pattern: pattern)) != nil { return nil }
        return diagnose(pattern) ?? "check its parentheses, brackets, repeat counts and escapes"
    }

    /// The first structural mistake in `pattern`, with its 1-based character position.
    static func diagnose(_ pattern: String) -> String? {
        let chars = Array(pattern)
        var openGroups: [Int] = []
        /// Whether a quantifier at this point has something to repeat.
        var canRepeat = false
        var index = 0
        while index < chars.count {
            let char = chars[index]
            let position = index + 1
            switch char {
            case "\\":
                guard index + 1 < chars.count else {
                    return "it ends with a lone backslash (write \\\\ for a literal one)"
                }
                index += 2
                canRepeat = true
                continue
            case "[":
                var end = index + 1
                var depth = 1
                while end < chars.count, depth > 0 {
                    if chars[end] == "\\" {
                        end += 2
                        continue
                    }
                    if chars[end] == "[" { depth += 1 } else if chars[end] == "]" { depth -= 1 }
                    end += 1
                }
                guard depth == 0 else { return "the \"[\" at character \(position) is never closed" }
                index = end
                canRepeat = true
                continue
            case "(":
                openGroups.append(position)
                canRepeat = false
                if index + 1 < chars.count, chars[index + 1] == "?" {
                    guard index + 2 < chars.count, ":=!<>#ismwx-)".contains(chars[index + 2]) else {
                        let shown = String(chars[index..<min(index + 3, chars.count)])
                        return "\"\(shown)\" at character \(position) is not a known group or flag"
                            + " (flags are i, m, s, x and w, as in (?i))"
                    }
                    index += 2
                    continue
                }
            case ")":
                guard openGroups.popLast() != nil else {
                    return "the \")\" at character \(position) has no matching \"(\""
                }
                canRepeat = true
            case "|":
                canRepeat = false
            case "*", "+", "?":
                guard canRepeat else { return "the \"\(char)\" at character \(position) has nothing to repeat" }
                // A following ? or + makes the quantifier lazy or possessive.
                if index + 1 < chars.count, chars[index + 1] == "?" || chars[index + 1] == "+" { index += 1 }
                canRepeat = false
            case "{":
                guard let close = chars[index...].firstIndex(of: "}"),
                    let bounds = repeatBounds(String(chars[(index + 1)..<close]))
                else {
                    return "the \"{\" at character \(position) does not start a repeat count like {2} or {1,3}"
                        + " (write \\{ for a literal brace)"
                }
                guard canRepeat else { return "the repeat count at character \(position) has nothing to repeat" }
                if let maximum = bounds.maximum, maximum < bounds.minimum {
                    return "the repeat count at character \(position) has its minimum above its maximum"
                }
                index = close
                canRepeat = false
            default:
                canRepeat = true
            }
            index += 1
        }
        if let open = openGroups.last { return "the \"(\" at character \(open) is never closed" }
        return nil
    }

    /// `2` → (2, 2), `2,` → (2, nil), `1,3` → (1, 3); nil when not a repeat count.
    private static func repeatBounds(_ text: String) -> (minimum: Int, maximum: Int?)? {
        let parts = text.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
        guard let minimum = Int(parts[0]), parts[0].allSatisfy(\.isNumber) else { return nil }
        if parts.count == 1 { return (minimum, minimum) }
        if parts[1].isEmpty { return (minimum, nil) }
        guard let maximum = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return nil }
        return (minimum, maximum)
    }
}
