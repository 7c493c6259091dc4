/// Random pieces of valid HTTP/1.1 for the differential tests of the wire readers.
enum WireGen {
    /// Bytes to read, and where to cut them into the pieces they arrive in.
    struct CutBytes: Sendable, CustomStringConvertible {
        var bytes: [UInt8]
        var splits: [Int]
        var pieces: [[UInt8]] { WireGen.pieces(bytes, at: splits) }
        var description: String { String(decoding: bytes, as: UTF8.self).debugDescription + " split at \(splits)" }
    }

    static let nameBytes = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~".utf8)
    static let valueBytes =
        Array("abcdefghijklmnopqrstuvwxyz ABC 0123456789 ;,=/\"()<>@[]{}?:\t".utf8) + [0x80, 0xC3, 0xFF]

    static func draw(_ alphabet: [UInt8], _ count: ClosedRange<Int>, using rng: inout some RandomNumberGenerator)
        -> [UInt8]
    {
        (0..<Int.random(in: count, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
    }

    /// Up to `count` `X-…: …` field lines. Values start and end with a visible byte: where
    /// whitespace around a value ends is the parsers' business, and both trim it.
    static func fieldLines(_ count: ClosedRange<Int>, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var lines: [UInt8] = []
        for _ in 0..<Int.random(in: count, using: &rng) {
            var value = draw(valueBytes, 1...40, using: &rng)
            value[0] = UInt8(ascii: "v")
            value[value.count - 1] = UInt8(ascii: "v")
            lines += Array("X-".utf8) + draw(nameBytes, 1...16, using: &rng) + Array(": ".utf8) + value
            lines += Array("\r\n".utf8)
        }
        return lines
    }

    /// `body` as chunks of random sizes (hex in either case, some with an extension), the last
    /// chunk, sometimes a trailer field, and the final CRLF.
    static func chunked(_ body: [UInt8], maxChunk: Int, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var wire: [UInt8] = []
        var rest = body[...]
        while !rest.isEmpty {
            let size = min(rest.count, Int.random(in: 1...maxChunk, using: &rng))
            let ext = Bool.random(using: &rng) ? ";name=value" : ""
            wire += Array("\(String(size, radix: 16, uppercase: Bool.random(using: &rng)))\(ext)\r\n".utf8)
            wire += rest.prefix(size) + Array("\r\n".utf8)
            rest = rest.dropFirst(size)
        }
        wire += Array("0\r\n".utf8)
        if Bool.random(using: &rng) { wire += Array("X-Trailer: done\r\n".utf8) }
        return wire + Array("\r\n".utf8)
    }

    /// Up to four distinct places to cut `bytes` at.
    static func splits(of bytes: [UInt8], using rng: inout some RandomNumberGenerator) -> [Int] {
        let splits = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Int.random(in: 1..<bytes.count, using: &rng) }
        return Array(Set(splits)).sorted()
    }

    static func pieces(_ bytes: [UInt8], at splits: [Int]) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0
        for split in splits + [bytes.count] {
            pieces.append(Array(bytes[start..<split]))
            start = split
        }
        return pieces
    }
}
