/// Finding the next byte of interest eight bytes at a time (SWAR), for the long runs of text,
/// comment and attribute value a tokenizer mostly skips over; pure Swift, no libc `memchr`.
enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first `target` in `base[start..<end]`, or `end` when there is none.
    @inline(__always)
    static func firstIndex(of target: UInt8, in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var index = start
        let pattern = UInt64(target) &* ones
        while index &+ 8 <= end {
            // Byte 0 in the low bits whatever the platform's byte order, so that the lowest flagged
            // byte is the first match (flags above a match can be false positives; below, never).
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian ^ pattern
            let zeroBytes = (word &- ones) & ~word & highBits
            if zeroBytes != 0 { return index &+ zeroBytes.trailingZeroBitCount >> 3 }
            index &+= 8
        }
        while index < end {
            if base.load(fromByteOffset: index, as: UInt8.self) == target { return index }
            index &+= 1
        }
        return end
    }
}
