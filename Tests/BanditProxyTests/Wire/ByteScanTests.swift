import Testing

@testable import BanditProxy

/// The word-at-a-time scans answer exactly as a byte-at-a-time reading would.
@Suite struct ByteScanTests {
    /// Whether a byte may sit in a field value without a closer look.
    private static func isPlain(_ byte: UInt8) -> Bool { byte >= 0x20 && byte != 0x7F }

    private static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    @Test func everyByteBelowTheLimitIsFoundWhereverItIsAndWhateverSurroundsIt() {
        for limit: UInt8 in [1, 0x20, 0x80] {
            for filler: UInt8 in [0x00, 0x1F, 0x20, 0x61, 0x7F, 0x80, 0xFF] {
                for position in 0..<8 {
                    for byte in UInt8.min...UInt8.max {
                        var bytes = [UInt8](repeating: filler, count: 8)
                        bytes[position] = byte
                        let expected = bytes.contains { $0 < limit }
                        #expect(
                            HTTPSyntax.hasByte(in: Self.word(bytes), below: limit) == expected,
                            "\(bytes) below \(limit)")
                    }
                }
            }
        }
    }

    /// RFC 9110's `tchar`, byte by byte.
    @Test func tokenBytesAreExactlyTheTchars() {
        let tchars = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(HTTPSyntax.isTokenByte(byte) == tchars.contains(byte), "byte \(byte)")
        }
    }

    /// A value is skipped only through whole words of plain bytes, so the byte reading after
    /// it stops where it would have alone.
    @Test func valueWordsAreSkippedOnlyWhileEveryByteIsPlain() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x09, 0x0D, 0x0A, 0x00, 0x1F, 0x20, 0x61, 0x7E, 0x7F, 0x80, 0xFF]
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in
                Bool.random(using: &rng) ? UInt8(ascii: "a") : alphabet.randomElement(using: &rng)!
            }
            let start = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            let skipped = bytes.withUnsafeBytes { HTTPSyntax.skipPlainValueWords(in: $0, from: start) }
            let firstNotPlain = bytes[start...].firstIndex { !Self.isPlain($0) } ?? bytes.count
            #expect(skipped <= firstNotPlain && (skipped - start) % 8 == 0, "\(bytes) from \(start)")
            #expect(firstNotPlain - skipped < 8 || skipped + 8 > bytes.count, "\(bytes) from \(start): stopped early")
        }
    }
}
