import NIOCore
import NIOEmbedded
import NIOHTTP1
import PropertyBased
import Testing

@testable import BanditProxy

/// The proxy's own response reader against swift-nio's (llhttp) on random valid responses
/// cut into random pieces: the same statuses, fields and body bytes.
@Suite struct UpstreamResponseDifferentialTests {
    static let samples = Generator<WireGen.CutBytes, Shrink.None<WireGen.CutBytes>>(run: { rng in make(using: &rng) })

    static func make(using rng: inout some RandomNumberGenerator) -> WireGen.CutBytes {
        let status = [200, 201, 204, 301, 304, 404, 500, 503].randomElement(using: &rng)!
        var text = Array("HTTP/1.\(Int.random(in: 0...1, using: &rng)) \(status) Reason here\r\n".utf8)
        text += WireGen.fieldLines(0...12, using: &rng)
        let body = WireGen.draw(Array(0...255), 0...600, using: &rng)
        let hasBody = status != 204 && status != 304
        if Bool.random(using: &rng) || !hasBody {
            text += Array("Content-Length: \(hasBody ? body.count : 0)\r\n\r\n".utf8) + (hasBody ? body : [])
        } else {
            text += Array("Transfer-Encoding: chunked\r\n\r\n".utf8) + WireGen.chunked(body, maxChunk: 200, using: &rng)
        }
        return WireGen.CutBytes(bytes: text, splits: WireGen.splits(of: text, using: &rng))
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
                            fields: head.headers.map { .fromNIO(name: $0.name, value: $0.value) }))
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
            let pieces = sample.pieces
            let ours = ReaderTranscript.read(pieces, dechunk: true)
            let theirs = try #require(try? Self.nioTranscript(pieces))
            #expect(ours == theirs, "\(sample)")
        }
    }
}
