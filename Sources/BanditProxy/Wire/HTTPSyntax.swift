/// The byte classes of HTTP/1.1 (RFC 9110 §5.6, RFC 9112), shared by the parsers in this
/// folder. Switches, not lookup tables: a global table costs a lazy-initialisation check
/// on every access.
enum HTTPSyntax {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// `tchar`: the characters of methods, header names and transfer codings.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// A byte a field value (or a reason phrase) may hold: visible characters, space, tab and
    /// obs-text. No CR, LF, NUL or other control: a value that could hold them could smuggle
    /// a header line of its own into what we forward (response splitting).
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= space && byte != 0x7F)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// Skips field-value bytes eight at a time while a whole word of them is plain (no
    /// control byte, which includes the CR ending the line and a tab, and no DEL); the caller
    /// reads the rest a byte at a time. Values such as a kilobyte of cookies or a browser's
    /// User-Agent were the largest part of parsing a head.
    static func skipPlainValueWords(in raw: UnsafeRawBufferPointer, from start: Int) -> Int {
        var position = start
        while position + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            guard !hasByte(in: word, below: 0x20), !hasByte(in: word ^ (ones &* 0x7F), below: 1) else { break }
            position += 8
        }
        return position
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101

    /// Whether any byte of `word` is below `limit` (at most 0x80): the borrow of a byte-wise
    /// subtraction reaches its high bit only there ("hasless" in Sean Anderson's Bit Twiddling
    /// Hacks; exact as a yes or no).
    static func hasByte(in word: UInt64, below limit: UInt8) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & (ones &* 0x80) != 0
    }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// ASCII case-insensitive equality of raw bytes and a lowercase literal.
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for index in 0..<bytes.count where lowercased(bytes[index]) != expected[index] { return false }
        return true
    }

    /// Whether `bytes` hold `literal` at `offset`, exactly. (`starts(with:)` on a slice of
    /// raw bytes is generic and took a visible share of each request's parsing.)
    static func has(_ literal: StaticString, in bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard offset >= 0, offset + count <= bytes.count else { return false }
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: count)
        for index in 0..<count where bytes[offset + index] != expected[index] { return false }
        return true
    }

    static func equalIgnoringCase(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { lowercased($0) == lowercased($1) }
    }

    /// Calls `body` with each trimmed, non-empty element of a comma-separated list.
    static func forEachListElement(in bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            var last = end
            while first < last && isWhitespace(bytes[first]) { first += 1 }
            while last > first && isWhitespace(bytes[last - 1]) { last -= 1 }
            if first < last { body(UnsafeRawBufferPointer(rebasing: bytes[first..<last])) }
            start = end + 1
        }
    }

    /// Whether a comma-separated list names `token` (a lowercase literal), in any letter case.
    static func list(_ bytes: UnsafeRawBufferPointer, contains token: StaticString) -> Bool {
        var found = false
        forEachListElement(in: bytes) { found = found || equalsLowercase($0, token) }
        return found
    }
}
