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
        let nameBytes = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~".utf8)
        let valueBytes =
            Array("abcdefghijklmnopqrstuvwxyz ABC 0123456789 ;,=/\"()<>@[]{}?:\t".utf8) + [0x80, 0xC3, 0xFF]
        let uriBytes = Array("abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%".utf8)
        func draw(_ alphabet: [UInt8], _ count: ClosedRange<Int>) -> [UInt8] {
            (0..<Int.random(in: count, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
        }
        var sample = Sample(bytes: [], bodyWire: [], bodyData: [], splits: [])
        let count = Int.random(in: 1...3, using: &rng)
        for index in 0..<count {
            let method = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"].randomElement(using: &rng)!
            sample.bytes += Array("\(method) /".utf8) + draw(uriBytes, 0...60)
            // HTTP/1.0 only last: llhttp refuses anything after a request that did not ask to
            // keep the connection (the proxy closes it after the response instead).
            let minor = index == count - 1 ? Int.random(in: 0...1, using: &rng) : 1
            sample.bytes += Array(" HTTP/1.\(minor)\r\n".utf8)
            for _ in 0..<Int.random(in: 0...10, using: &rng) {
                var value = draw(valueBytes, 1...40)
                value[0] = UInt8(ascii: "v")
                value[value.count - 1] = UInt8(ascii: "v")
                sample.bytes +=
                    Array("X-".utf8) + draw(nameBytes, 1...16) + Array(": ".utf8) + value + Array("\r\n".utf8)
            }
            let body = draw(Array(0...255), 0...300)
            var wire: [UInt8] = []
            switch Int.random(in: 0...2, using: &rng) {
            case 0:
                sample.bytes += Array("\r\n".utf8)
                sample.bodyWire += []
                continue
            case 1:
                sample.bytes += Array("Content-Length: \(body.count)\r\n\r\n".utf8)
                wire = body
            default:
                sample.bytes += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
                var rest = body[...]
                while !rest.isEmpty {
                    let size = min(rest.count, Int.random(in: 1...100, using: &rng))
                    let ext = Bool.random(using: &rng) ? ";name=value" : ""
                    wire += Array("\(String(size, radix: 16, uppercase: Bool.random(using: &rng)))\(ext)\r\n".utf8)
                    wire += rest.prefix(size) + Array("\r\n".utf8)
                    rest = rest.dropFirst(size)
                }
                wire += Array("0\r\n".utf8)
                if Bool.random(using: &rng) { wire += Array("X-Trailer: done\r\n".utf8) }
                wire += Array("\r\n".utf8)
            }
            sample.bytes += wire
            sample.bodyWire += wire
            sample.bodyData += body
        }
        let splits = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
            Int.random(in: 1..<sample.bytes.count, using: &rng)
        }
        sample.splits = Array(Set(splits)).sorted()
        return sample
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

    @Test func bothReadersAgreeOnEveryValidRequest() async {
        await propertyCheck(count: 400, input: Self.samples) { sample in
            let pieces = Self.pieces(sample)
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
