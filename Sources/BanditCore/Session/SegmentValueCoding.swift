/// A session's segment values in its cookie: `s` then the values, `!` between them, each
/// byte but ASCII letters, digits, `-` and `_` written `%XX`. The result is made of
/// cookie-octets (RFC 6265) and holds none of the cookie's own delimiters (`.`, `~`, `:`).
enum SegmentValueCoding {
    /// The most bytes `encode` writes: ":s", a "!" between values, three bytes per byte.
    static func maximumLength(of values: [String]) -> Int {
        2 + max(0, values.count - 1) + values.reduce(0) { $0 + 3 * $1.utf8.count }
    }

    static func encode(_ values: [String], into writer: inout UTF8Writer) {
        writer.append(UInt8(ascii: ":"))
        writer.append(UInt8(ascii: "s"))
        for (index, value) in values.enumerated() {
            if index > 0 { writer.append(UInt8(ascii: "!")) }
            for byte in value.utf8 {
                if isKept(byte) {
                    writer.append(byte)
                } else {
                    writer.append(UInt8(ascii: "%"))
                    writer.append(hexDigits[Int(byte >> 4)])
                    writer.append(hexDigits[Int(byte & 0xF)])
                }
            }
        }
    }

    /// The values written by `encode` (without the `s`); nil for text it could not have written.
    static func decode(_ text: Substring) -> [String]? {
        var values: [String] = []
        for part in text.utf8.split(separator: UInt8(ascii: "!"), omittingEmptySubsequences: false) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(part.count)
            var index = part.startIndex
            while index < part.endIndex {
                let byte = part[index]
                if byte == UInt8(ascii: "%") {
                    let high = part.index(after: index)
                    guard high < part.endIndex, part.index(after: high) < part.endIndex,
                        let upper = hexValue(part[high]), let lower = hexValue(part[part.index(after: high)])
                    else { return nil }
                    bytes.append(upper << 4 | lower)
                    index = part.index(index, offsetBy: 3)
                } else {
                    guard isKept(byte) else { return nil }
                    bytes.append(byte)
                    index = part.index(after: index)
                }
            }
            guard let value = String(validating: bytes, as: UTF8.self) else { return nil }
            values.append(value)
        }
        return values
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isKept(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
