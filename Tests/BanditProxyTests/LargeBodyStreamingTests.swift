import Testing

/// Bodies of hundreds of MiB stream through the proxy both ways, sized and chunked, with a
/// slow reader on the receiving side part of the time, and the proxy's memory stays flat.
///
/// The proxy is the real binary in its own process, so its resident memory is measured
/// alone: in this test process the upstream, the client and every other suite running in
/// parallel would blur it. The upstream and client here never hold more than a chunk
/// (they generate and check `BodyPattern` chunk by chunk), and how far the sender ever got
/// ahead of the receiver shows that backpressure, not buffering, paced the transfer.
///
/// Measured on a 2-core machine in a debug build: each 256 MiB transfer takes about a second
/// alone; the proxy's resident memory (about 35 MiB) grows by 0.4 MiB for a download and
/// 1.1 MiB for an upload; the sender leads the receiver by 8 to 21 MiB (socket buffers).
/// With the proxy's read gating removed it grows by 95 to 245 MiB and these tests fail.
@Suite(.serialized) struct LargeBodyStreamingTests {
    static let size = 256 << 20
    /// Allowed growth of the proxy's resident memory over the transfer.
    static let memoryLimitKiB = 64 << 10
    /// Allowed lead of sender over receiver: the kernel's socket buffers on two connections
    /// (up to 32 MiB receive and 4 MiB send each here) plus the proxy's own; without
    /// backpressure it would be most of the body.
    static let aheadLimit = 128 << 20

    @Test(arguments: [false, true])
    func aLargeDownloadStreamsThroughInFlatMemory(chunked: Bool) async throws {
        let upstream = try await StreamingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(upstreamPort: upstream.port, settings: #""storage": ":memory:""#)
        defer { proxy.stop() }
        let path = "/\(chunked ? "chunked" : "sized")/"
        _ = try await StreamingClient.download(port: proxy.port, path: path + "1000000", received: ByteCounter())

        let received = ByteCounter()
        let start = upstream.sent.value
        let (outcome, figures) = try await TransferFigures.measure(
            pid: proxy.process.processIdentifier, ahead: { upstream.sent.value - start - received.value }
        ) {
            try await StreamingClient.download(port: proxy.port, path: path + String(Self.size), received: received)
        }
        #expect(outcome.status == 200)
        #expect(outcome.bytes == Self.size)
        #expect(outcome.intact, "every byte in place")
        #expect(figures.growthKiB < Self.memoryLimitKiB, "\(figures)")
        #expect(figures.maxAheadBytes < Self.aheadLimit, "\(figures)")
    }

    @Test(arguments: [false, true])
    func aLargeUploadStreamsThroughInFlatMemory(chunked: Bool) async throws {
        let upstream = try await StreamingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let proxy = try await RunningBinary.start(upstreamPort: upstream.port, settings: #""storage": ":memory:""#)
        defer { proxy.stop() }
        _ = try await StreamingClient.upload(port: proxy.port, size: 1_000_000, chunked: chunked, sent: ByteCounter())

        let sent = ByteCounter()
        let start = upstream.received.value
        let (outcome, figures) = try await TransferFigures.measure(
            pid: proxy.process.processIdentifier, ahead: { sent.value - (upstream.received.value - start) }
        ) {
            try await StreamingClient.upload(port: proxy.port, size: Self.size, chunked: chunked, sent: sent)
        }
        #expect(outcome.status == 200)
        #expect(outcome.answer == "\(Self.size) intact", "the upstream drained every byte in place")
        #expect(figures.growthKiB < Self.memoryLimitKiB, "\(figures)")
        #expect(figures.maxAheadBytes < Self.aheadLimit, "\(figures)")
    }
}
