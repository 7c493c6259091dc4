/// Escaping for the two places an edit puts literal text: element content and a
/// double-quoted attribute value. Done once per edit, when the rewriter is made.
enum HTMLEscaping {
    /// Text as character data: `&`, `<` and `>` become references, so it reads back as written.
    static func escapeText(_ text: String) -> [UInt8] {
        escape(text) { byte in
            switch byte {
            case UInt8(ascii: "&"): "&amp;"
            case UInt8(ascii: "<"): "&lt;"
            case UInt8(ascii: ">"): "&gt;"
            default: nil
            }
        }
    }

    /// Text inside `"…"`: `&` and `"` become references. `&` too, or `&copy=1` in a URL would
    /// read back as `©=1`.
    static func escapeDoubleQuotedAttribute(_ text: String) -> [UInt8] {
        escape(text) { byte in
            switch byte {
            case UInt8(ascii: "&"): "&amp;"
            case UInt8(ascii: "\""): "&quot;"
            default: nil
            }
        }
    }

    private static func escape(_ text: String, _ reference: (UInt8) -> StaticString?) -> [UInt8] {
        var escaped: [UInt8] = []
        escaped.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if let replacement = reference(byte) {
                replacement.withUTF8Buffer { escaped.append(contentsOf: $0) }
            } else {
                escaped.append(byte)
            }
        }
        return escaped
    }
}
