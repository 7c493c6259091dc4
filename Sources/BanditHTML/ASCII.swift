/// ASCII helpers on bytes: HTML names are case-insensitive in ASCII only.
enum ASCII {
    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    @inline(__always)
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }

    /// The tokenizer's whitespace: tab, LF, FF, CR (a CR reads as LF) and space.
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte &- 0x09 < 5 && byte != 0x0B)
    }
}
