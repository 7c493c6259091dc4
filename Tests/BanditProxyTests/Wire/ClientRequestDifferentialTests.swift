import PropertyBased
import Testing

@testable import BanditProxy

/// The proxy's request reader against swift-nio's (llhttp) on random valid requests, several
/// on one connection, cut into random pieces: the same heads, fields and body data; and our
/// body bytes are exactly what the client sent, chunks and all, for the upstream to read.
@Suite struct ClientRequestDifferentialTests {
    struct Sample: Sendable, CustomStringConvertible {
        var bytes: [UInt8]
        var bodyWire: [UInt8]
        var bodyData: [UInt8]
        var splits: [Int]
        var description: String { String(decoding: bytes, as: UTF8.self).debugDescription + " split at \(splits)" }
    }

    static let samples = Generator<Sample, Shrink.None<Sample>>(run: { rng in make(using: &rng) })

    static func make(using rng: inout some RandomNumberGenerator) -> Sample {
        let uriBytes = Array("abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%".utf8)
        var sample = Sample(bytes: [], bodyWire: [], bodyData: [], splits: [])
        let count = Int.random(in: 1...3, using: &rng)
        for index in 0..<count {
            let method = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"].randomElement(using: &rng)!
            sample.bytes += Array("\(method) /".utf8) + WireGen.draw(uriBytes, 0...60, using: &rng)
            // HTTP/1.0 only last: llhttp refuses anything after a request that did not ask to
            // keep the connection (the proxy closes it after the response instead).
            let minor = index == count - 1 ? Int.random(in: 0...1, using: &rng) : 1
            sample.bytes += Array(" HTTP/1.\(minor)\r\n".utf8) + WireGen.fieldLines(0...10, using: &rng)
            let body = WireGen.draw(Array(0...255), 0...300, using: &rng)
            let wire: [UInt8]
            switch Int.random(in: 0...2, using: &rng) {
            case 0:
                sample.bytes += Array("\r\n".utf8)
                continue
            case 1:
                sample.bytes += Array("Content-Length: \(body.count)\r\n\r\n".utf8)
                wire = body
            default:
                sample.bytes += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
                wire = WireGen.chunked(body, maxChunk: 100, using: &rng)
            }
            sample.bytes += wire
            sample.bodyWire += wire
            sample.bodyData += body
        }
        sample.splits = WireGen.splits(of: sample.bytes, using: &rng)
        return sample
    }

    @Test func bothReadersAgreeOnEveryValidRequest() async {
        await propertyCheck(count: 400, input: Self.samples) { sample in
            let pieces = WireGen.pieces(sample.bytes, at: sample.splits)
            let ours = RequestTranscript.ours(pieces)
            let theirs = RequestTranscript.nio(pieces)
            #expect(!ours.refused && !theirs.refused, "\(sample)")
            #expect(ours.heads == theirs.heads, "\(sample)")
            #expect(ours.ends == theirs.ends, "\(sample)")
            #expect(theirs.body == sample.bodyData, "\(sample)")
            #expect(ours.dataBytes == sample.bodyData.count, "\(sample)")
            #expect(ours.body == sample.bodyWire, "\(sample)")
        }
    }
}
