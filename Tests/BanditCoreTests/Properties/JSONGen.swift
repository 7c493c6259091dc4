import PropertyBased

@testable import BanditCore

/// Random JSON values, and a writer that renders them as any valid spelling: random
/// insignificant whitespace, and each character raw, short-escaped or `\u`-escaped (with
/// surrogate pairs beyond the BMP). The parser must read every spelling back as the value.
enum JSONGen {
    /// A document: the value and one way of writing it.
    struct Document: Sendable, CustomStringConvertible {
        var value: JSONValue
        var text: String
        var description: String { text }
    }

    static let documents = Generator<Document, Shrink.None<Document>>(run: { rng in
        let value = value(depth: Draw.int(0...4, using: &rng), using: &rng)
        return Document(value: value, text: write(value, using: &rng))
    })

    /// Documents whose top level is an object or array (a prefix of one is never valid).
    static let containers = documents.filter {
        switch $0.value {
        case .object, .array: true
        default: false
        }
    }

    static func value<R: RandomNumberGenerator>(depth: Int, using rng: inout R) -> JSONValue {
        let kinds = depth > 0 ? 0...6 : 0...4
        switch Draw.int(kinds, using: &rng) {
        case 0: return .string(string(using: &rng))
        case 1: return integer(using: &rng)
        case 2: return fraction(using: &rng)
        case 3: return Draw.element([.bool(true), .bool(false), .null], using: &rng)
        case 4: return .string("")
        case 5:
            return .array((0..<Draw.int(0...4, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) })
        default:
            let keys = Draw.distinct(Draw.int(0...4, using: &rng), using: &rng) { string(using: &$0) }
            return .object(keys.map { (key: $0, value: value(depth: depth - 1, using: &rng)) })
        }
    }

    /// Integers as JSON writes them, within ±2^53 where a Double holds each one exactly.
    static func integer<R: RandomNumberGenerator>(using rng: inout R) -> JSONValue {
        let limit = 1 << 53
        let value =
            Draw.chance(0.5, using: &rng) ? Draw.int(-1000...1000, using: &rng) : Draw.int(-limit...limit, using: &rng)
        return .number(Double(value), isInteger: true)
    }

    /// Finite numbers with a fraction or exponent: ordinary, tiny, huge and subnormal ones.
    static func fraction<R: RandomNumberGenerator>(using rng: inout R) -> JSONValue {
        let value: Double =
            switch Draw.int(0...4, using: &rng) {
            case 0: Double.random(in: -1000...1000, using: &rng)
            case 1: Double.random(in: -1...1, using: &rng) * 1e-300
            case 2: Double.random(in: -1...1, using: &rng) * 1e300
            case 3:
                Draw.element(
                    [Double.leastNonzeroMagnitude, -0.0, 0.0, 1.0, Double.greatestFiniteMagnitude, 0.1], using: &rng)
            default: Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &rng))
            }
        return .number(value, isInteger: false)
    }

    /// Text with quotes, backslashes, control characters, non-ASCII and astral characters.
    static func string<R: RandomNumberGenerator>(using rng: inout R) -> String {
        let pool: [Character] =
            Alphabet.alphanumeric + ["\"", "\\", "/", " ", "\u{0}", "\u{1F}", "\u{7F}", "\u{2028}", "😀", "𝄞"]
            + Alphabet.awkward
        return Draw.string(pool, count: 0...12, using: &rng)
    }

    /// One of the many valid spellings of `value`.
    static func write<R: RandomNumberGenerator>(_ value: JSONValue, using rng: inout R) -> String {
        var out = ""
        write(value, into: &out, using: &rng)
        return out
    }

    private static func space<R: RandomNumberGenerator>(_ out: inout String, using rng: inout R) {
        for _ in 0..<Draw.int(0...2, using: &rng) where Draw.chance(0.5, using: &rng) {
            out.append(Draw.element([" ", "\t", "\n", "\r"], using: &rng))
        }
    }

    private static func write<R: RandomNumberGenerator>(_ value: JSONValue, into out: inout String, using rng: inout R)
    {
        switch value {
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                space(&out, using: &rng)
                out += quoted(member.key, using: &rng)
                space(&out, using: &rng)
                out += ":"
                space(&out, using: &rng)
                write(member.value, into: &out, using: &rng)
                space(&out, using: &rng)
            }
            out += "}"
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                space(&out, using: &rng)
                write(element, into: &out, using: &rng)
                space(&out, using: &rng)
            }
            out += "]"
        case .string(let text): out += quoted(text, using: &rng)
        // Swift prints the shortest text that reads back as the same Double, always with a
        // "." or an exponent; integers are printed without either. JSON has no infinity, but
        // a literal too large for a Double reads as one.
        case .number(let number, _) where number.isInfinite: out += number > 0 ? "1e400" : "-1e400"
        case .number(let number, let isInteger): out += isInteger ? String(Int(number)) : String(number)
        case .bool(let flag): out += flag ? "true" : "false"
        case .null: out += "null"
        }
    }

    static func quoted<R: RandomNumberGenerator>(_ text: String, using rng: inout R) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let short: [Unicode.Scalar: String] = [
                "\"": "\\\"", "\\": "\\\\", "/": "\\/", "\u{8}": "\\b", "\u{C}": "\\f", "\n": "\\n", "\r": "\\r",
                "\t": "\\t",
            ]
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            switch Draw.int(0...3, using: &rng) {
            case 0 where short[scalar] != nil: out += short[scalar]!
            case 1: out += unicodeEscape(scalar, uppercase: Draw.chance(0.5, using: &rng))
            default:
                if mustEscape {
                    out += short[scalar] ?? unicodeEscape(scalar, uppercase: false)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `\uXXXX`, or a surrogate pair of them beyond the Basic Multilingual Plane.
    static func unicodeEscape(_ scalar: Unicode.Scalar, uppercase: Bool) -> String {
        func hex(_ unit: UInt32) -> String {
            let digits = String(unit, radix: 16, uppercase: uppercase)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        guard scalar.value > 0xFFFF else { return hex(scalar.value) }
        let offset = scalar.value - 0x10000
        return hex(0xD800 + (offset >> 10)) + hex(0xDC00 + (offset & 0x3FF))
    }
}
