import PropertyBased
import Synchronization
import Testing

@testable import BanditProxy

/// Valid messages with random bytes changed, inserted or removed, fed to our readers and to
/// swift-nio's (llhttp): ours never traps, and wherever both accept the bytes they must agree
/// on every head and on how much body each message has. A disagreement on where a message
/// ends is what request smuggling and response desynchronisation are made of.
@Suite struct WireFuzzTests {
    /// Enough for CI; 40,000 of each ran clean while this was written.
    static let samples = 3_000

    /// How many samples both readers accepted: enough of them, or the property says nothing.
    final class Accepted: Sendable {
        let count = Atomic(0)
        func add() { count.add(1, ordering: .relaxed) }
        var share: Double { Double(count.load(ordering: .relaxed)) / Double(samples) }
    }

    /// The bytes HTTP framing turns on, and a few it must refuse.
    static let interesting = Array("\r\n :;,0aF\t".utf8) + [0x00, 0x7F, 0x80, 0xFF]

    static func mutate(_ bytes: [UInt8], using rng: inout some RandomNumberGenerator) -> WireGen.CutBytes {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            let byte = interesting.randomElement(using: &rng)!
            switch Int.random(in: 0...2, using: &rng) {
            case 0: bytes[at] = byte
            case 1: bytes.insert(byte, at: at)
            default: bytes.remove(at: at)
            }
        }
        return WireGen.CutBytes(bytes: bytes, splits: bytes.count > 1 ? WireGen.splits(of: bytes, using: &rng) : [])
    }

    static let requests = Generator<WireGen.CutBytes, Shrink.None<WireGen.CutBytes>>(run: { rng in
        mutate(ClientRequestDifferentialTests.make(using: &rng).bytes, using: &rng)
    })

    static let responses = Generator<WireGen.CutBytes, Shrink.None<WireGen.CutBytes>>(run: { rng in
        mutate(UpstreamResponseDifferentialTests.make(using: &rng).bytes, using: &rng)
    })

    /// A Transfer-Encoding other than exactly `chunked`, such as `chunked,` (an empty list
    /// element, RFC 9110 §5.6.1) or `chunked` and a tab (whitespace around a value): chunked
    /// by the RFC and to us, a body read to the close by llhttp. The client gets our reading,
    /// declared as plain `Transfer-Encoding: chunked`, so no one downstream reads it otherwise.
    static func hasUnusualTransferEncoding(_ bytes: [UInt8]) -> Bool {
        String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").contains { line in
            line.lowercased().hasPrefix("transfer-encoding:") && line.lowercased() != "transfer-encoding: chunked"
        }
    }

    @Test func requestsBothReadersAcceptAreReadAlike() async {
        let accepted = Accepted()
        await propertyCheck(count: Self.samples, input: Self.requests) { sample in
            let pieces = sample.pieces
            let ours = RequestTranscript.ours(pieces)
            let theirs = RequestTranscript.nio(pieces)
            guard !ours.refused && !theirs.refused else { return }
            accepted.add()
            #expect(ours.heads == theirs.heads, "\(sample)")
            #expect(ours.ends == theirs.ends, "\(sample)")
            #expect(ours.dataBytes == theirs.dataBytes, "\(sample)")
        }
        #expect(accepted.share > 0.1, "only \(accepted.share) of the samples were read by both")
    }

    @Test func responsesBothReadersAcceptAreReadAlike() async throws {
        let accepted = Accepted()
        await propertyCheck(count: Self.samples, input: Self.responses) { sample in
            let pieces = sample.pieces
            let ours = ReaderTranscript.read(pieces, dechunk: true)
            guard ours.error == nil, let theirs = try? UpstreamResponseDifferentialTests.nioTranscript(pieces),
                !Self.hasUnusualTransferEncoding(sample.bytes)
            else { return }
            accepted.add()
            #expect(ours.heads == theirs.heads, "\(sample)")
            #expect(ours.body == theirs.body, "\(sample)")
        }
        #expect(accepted.share > 0.1, "only \(accepted.share) of the samples were read by both")
    }
}
