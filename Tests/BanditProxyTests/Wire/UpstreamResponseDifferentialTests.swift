import NIOCore
import NIOEmbedded
import NIOHTTP1
import PropertyBased
import Testing

@testable import BanditProxy

/// The proxy's own response reader against swift-nio's (llhttp) on random valid responses
/// cut into random pieces: the same statuses, fields and body bytes.
@Suite struct UpstreamResponseDifferentialTests {
    struct Sample: Sendable, CustomStringConvertible {
        var bytes: [UInt8]
        var splits: [Int]
        var description: String { String(decoding: bytes, as: UTF8.self).debugDescription + " split at \(splits)" }
    }

    static let samples = Generator<Sample, Shrink.None<Sample>>(run: { rng in make(using: &rng) })

    static func make(using rng: inout some RandomNumberGenerator) -> Sample {
        let nameBytes = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~".utf8)
        let valueBytes =
            Array("abcdefghijklmnopqrstuvwxyz ABC 0123456789 ;,=/\"()<>@[]{}?:\t".utf8) + [0x80, 0xC3, 0xFF]
        func draw(_ alphabet: [UInt8], _ count: ClosedRange<Int>) -> [UInt8] {
            (0..<Int.random(in: count, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
        }
        let status = [200, 201, 204, 301, 304, 404, 500, 503].randomElement(using: &rng)!
        var text = Array("HTTP/1.\(Int.random(in: 0...1, using: &rng)) \(status) Reason here\r\n".utf8)
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            var value = draw(valueBytes, 1...40)
            // Values start and end with a visible byte: where whitespace around a value ends is
            // the parsers' business, and both trim it.
            value[0] = UInt8(ascii: "v")
            value[value.count - 1] = UInt8(ascii: "v")
            text += Array("X-".utf8) + draw(nameBytes, 1...16) + Array(": ".utf8) + value + Array("\r\n".utf8)
        }
        let body = draw(Array(0...255), 0...600)
        let hasBody = status != 204 && status != 304
        if Bool.random(using: &rng) || !hasBody {
            text += Array("Content-Length: \(hasBody ? body.count : 0)\r\n\r\n".utf8) + (hasBody ? body : [])
        } else {
            text += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
            var rest = body[...]
            while !rest.isEmpty {
                let size = min(rest.count, Int.random(in: 1...200, using: &rng))
                let ext = Bool.random(using: &rng) ? ";name=value" : ""
                text += Array("\(String(size, radix: 16, uppercase: Bool.random(using: &rng)))\(ext)\r\n".utf8)
                text += rest.prefix(size) + Array("\r\n".utf8)
                rest = rest.dropFirst(size)
            }
            text += Array("0\r\n".utf8)
            if Bool.random(using: &rng) { text += Array("X-Trailer: done\r\n".utf8) }
            text += Array("\r\n".utf8)
        }
        let splits = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Int.random(in: 1..<text.count, using: &rng) }
        return Sample(bytes: text, splits: Array(Set(splits)).sorted())
    }

    static func pieces(_ sample: Sample) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0
        for split in sample.splits + [sample.bytes.count] {
            pieces.append(Array(sample.bytes[start..<split]))
            start = split
        }
        return pieces
    }

    /// What swift-nio's decoder makes of the pieces, as a transcript.
    static func nioTranscript(_ pieces: [[UInt8]]) throws -> ReaderTranscript {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            HTTPRequestEncoder(), ByteToMessageHandler(HTTPResponseDecoder(informationalResponseStrategy: .forward)),
        ])
        try channel.writeOutbound(
            HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")))
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        var transcript = ReaderTranscript()
        for piece in pieces {
            try channel.writeInbound(ByteBuffer(bytes: piece))
            while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
                switch part {
                case .head(let head):
                    transcript.heads.append(
                        .init(
                            status: Int(head.status.code),
                            fields: head.headers.map { .init(name: $0.name, value: $0.value) }))
                case .body(let bytes): transcript.body += Array(bytes.readableBytesView)
                case .end: transcript.ends += 1
                }
            }
        }
        _ = try channel.finish()
        return transcript
    }

    @Test func bothReadersAgreeOnEveryValidResponse() async throws {
        await propertyCheck(count: 400, input: Self.samples) { sample in
            let pieces = Self.pieces(sample)
            let ours = ReaderTranscript.read(pieces, dechunk: true)
            let theirs = try #require(try? Self.nioTranscript(pieces))
            #expect(ours == theirs, "\(sample)")
        }
    }
}
