/// Parses the selector subset `HTMLSelector` supports, with errors that name the problem and
/// its offset. Names accept CSS escapes (`md\:flex`, `\31 0`) because utility-class CSS uses them.
struct SelectorParser {
    private let text: String
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) {
        self.text = text
        self.scalars = Array(text.unicodeScalars)
    }

    mutating func parseList() throws(HTMLSelectorError) -> [ComplexSelector] {
        skipWhitespace()
        if isAtEnd { throw failure("the selector is empty") }
        var list: [ComplexSelector] = []
        while true {
            list.append(try parseComplex())
            if isAtEnd { return list }
            // parseComplex stops only at the end or at a comma.
            position += 1
            skipWhitespace()
            if isAtEnd { throw failure("expected a selector after \",\"") }
        }
    }

    private mutating func parseComplex() throws(HTMLSelectorError) -> ComplexSelector {
        if let current, current == ">" { throw failure("a selector cannot start with \">\"") }
        var compounds = [try parseCompound()]
        var combinators: [Combinator] = []
        while true {
            let hadWhitespace = skipWhitespace()
            guard let current, current != "," else {
                return ComplexSelector(compounds: compounds, combinators: combinators)
            }
            switch current {
            case ">":
                position += 1
                skipWhitespace()
                if isAtEnd || self.current == "," { throw failure("expected a selector after \">\"") }
                combinators.append(.child)
            case "+", "~":
                throw failure(
                    "the \"\(current)\" combinator is not supported (only descendant, a space, and child, \">\")")
            default:
                if !hadWhitespace { throw unexpected(current) }
                combinators.append(.descendant)
            }
            compounds.append(try parseCompound())
        }
    }

    private mutating func parseCompound() throws(HTMLSelectorError) -> CompoundSelector {
        var compound = CompoundSelector()
        var isEmpty = true
        if let current, current == "*" {
            position += 1
            isEmpty = false
        } else if let current, startsName(current) {
            compound.tagName = asciiLowercased(try parseName(what: "a tag name"))
            isEmpty = false
        }
        while let current {
            switch current {
            case "#":
                position += 1
                let id = try parseName(what: "an id after \"#\"")
                if compound.id != nil, compound.id != id {
                    throw failure("an element has only one id", at: position - 1)
                }
                compound.id = id
            case ".":
                position += 1
                compound.classes.append(try parseName(what: "a class name after \".\""))
            case "[":
                compound.attributes.append(try parseAttribute())
            case ":":
                throw failure("pseudo-classes and pseudo-elements (\":…\") are not supported")
            case "*":
                throw failure("\"*\" must come first in a compound selector")
            default:
                if isWhitespace(current) || current == "," || current == ">" || current == "+" || current == "~" {
                    if isEmpty { throw unexpected(current) }
                    return compound
                }
                if startsName(current) { throw failure("a tag name must come first in a compound selector") }
                throw unexpected(current)
            }
            isEmpty = false
        }
        if isEmpty { throw failure("expected a selector") }
        return compound
    }

    private mutating func parseAttribute() throws(HTMLSelectorError) -> AttributeSelector {
        let opening = position
        position += 1
        skipWhitespace()
        guard let first = current, startsName(first) else {
            throw isAtEnd
                ? failure("unterminated attribute selector: expected \"]\"", at: opening)
                : failure("expected an attribute name after \"[\"")
        }
        let name = asciiLowercased(try parseName(what: "an attribute name"))
        skipWhitespace()
        guard let next = current else { throw failure("unterminated attribute selector: expected \"]\"", at: opening) }
        if next == "]" {
            position += 1
            return AttributeSelector(name: name, match: nil)
        }
        let operatorStart = position
        var op: Unicode.Scalar = "="
        if next != "=" {
            guard "~|^$*".unicodeScalars.contains(next), position + 1 < scalars.count, scalars[position + 1] == "="
            else {
                throw failure("expected \"]\" or an operator (=, ~=, |=, ^=, $=, *=) after the attribute name")
            }
            op = next
            position += 1
        }
        position += 1
        skipWhitespace()
        guard let valueStart = current else {
            throw failure("expected a value after \"\(op == "=" ? "=" : "\(op)=")\"", at: operatorStart)
        }
        let value: String
        if valueStart == "\"" || valueStart == "'" {
            value = try parseString()
        } else if startsName(valueStart) {
            value = try parseName(what: "a value")
        } else {
            throw failure("expected a value (a name or a quoted string) after the operator")
        }
        skipWhitespace()
        guard let closing = current else {
            throw failure("unterminated attribute selector: expected \"]\"", at: opening)
        }
        if closing != "]" {
            if closing == "i" || closing == "s" || closing == "I" || closing == "S" {
                throw failure("attribute selector flags (\" i\", \" s\") are not supported")
            }
            throw failure("expected \"]\" after the attribute value")
        }
        position += 1
        let match: AttributeMatch
        switch op {
        case "~": match = .containsWord(value)
        case "|": match = .equalsOrDashPrefix(value)
        case "^": match = .hasPrefix(value)
        case "$": match = .hasSuffix(value)
        case "*": match = .contains(value)
        default: match = .equals(value)
        }
        return AttributeSelector(name: name, match: match)
    }

    /// A quoted string, with CSS escapes; the quote is the current scalar.
    private mutating func parseString() throws(HTMLSelectorError) -> String {
        let quote = scalars[position]
        let opening = position
        position += 1
        var value = String.UnicodeScalarView()
        while let current {
            if current == quote {
                position += 1
                return String(value)
            }
            if current == "\\" {
                position += 1
                guard let escaped = self.current else { break }
                if escaped == "\n" {
                    position += 1
                    continue
                }
                value.append(parseEscape())
            } else {
                value.append(current)
                position += 1
            }
        }
        throw failure("unterminated string: expected a closing \(quote)", at: opening)
    }

    /// A run of name characters (letters, digits, `-`, `_`, non-ASCII, escapes); `what` names
    /// it in the error when there is none.
    private mutating func parseName(what: String) throws(HTMLSelectorError) -> String {
        var name = String.UnicodeScalarView()
        while let current {
            if current == "\\" {
                guard position + 1 < scalars.count, scalars[position + 1] != "\n" else {
                    throw failure("a \"\\\" must be followed by the character it escapes")
                }
                position += 1
                name.append(parseEscape())
            } else if isNameScalar(current) {
                name.append(current)
                position += 1
            } else {
                break
            }
        }
        if name.isEmpty { throw failure("expected \(what)") }
        return String(name)
    }

    /// The scalar after a backslash: up to six hex digits (and one following space), or itself.
    private mutating func parseEscape() -> Unicode.Scalar {
        var hex: UInt32 = 0
        var digits = 0
        while digits < 6, let current, let digit = hexValue(current) {
            hex = hex * 16 + digit
            digits += 1
            position += 1
        }
        if digits == 0 {
            let scalar = scalars[position]
            position += 1
            return scalar
        }
        if let current, isWhitespace(current) { position += 1 }
        guard hex != 0, let scalar = Unicode.Scalar(hex) else { return "\u{FFFD}" }
        return scalar
    }

    /// HTML folds the case of tag and attribute names in ASCII only, so a selector must too.
    private func asciiLowercased(_ name: String) -> String {
        String(
            String.UnicodeScalarView(
                name.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
    }

    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }
    private var isAtEnd: Bool { position >= scalars.count }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = position
        while let current, isWhitespace(current) { position += 1 }
        return position > start
    }

    private func startsName(_ scalar: Unicode.Scalar) -> Bool { isNameScalar(scalar) || scalar == "\\" }

    private func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x5F: true
        case 0x80...: true
        default: false
        }
    }

    private func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: scalar.value - 0x30
        case 0x41...0x46: scalar.value - 0x41 + 10
        case 0x61...0x66: scalar.value - 0x61 + 10
        default: nil
        }
    }

    private func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}"
    }

    private func failure(_ reason: String, at offset: Int? = nil) -> HTMLSelectorError {
        HTMLSelectorError(selector: text, reason: reason, offset: offset ?? position)
    }

    private func unexpected(_ scalar: Unicode.Scalar) -> HTMLSelectorError {
        failure("unexpected \"\(scalar)\"")
    }
}
