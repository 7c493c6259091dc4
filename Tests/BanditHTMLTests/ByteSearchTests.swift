import Testing

@testable import BanditHTML

/// The eight-bytes-at-a-time search finds the first match, never a later one or a false one.
@Suite struct ByteSearchTests {
    @Test(arguments: 0..<50)
    func findsTheFirstOccurrenceLikeAPlainScan(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // Few distinct values, high bytes among them, so matches and near-misses are frequent.
        let alphabet: [UInt8] = [0x3C, 0x3D, 0x00, 0x80, 0xBC, 0xFF, 0x3B, 0x01]
        let bytes = (0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        let target = alphabet.randomElement(using: &random)!
        bytes.withUnsafeBytes { buffer in
            for start in 0...bytes.count {
                let expected = bytes[start...].firstIndex(of: target) ?? bytes.count
                let found =
                    buffer.baseAddress.map {
                        ByteSearch.firstIndex(of: target, in: $0, from: start, to: bytes.count)
                    } ?? bytes.count
                #expect(found == expected, "seed \(seed), start \(start)")
            }
        }
    }
}
