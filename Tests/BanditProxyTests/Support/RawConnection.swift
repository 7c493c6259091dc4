import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends raw bytes to a server and collects everything it answers until it closes the
/// connection or `timeout` passes: for requests no well-behaved client would send.
enum RawConnection {
    /// With `halfClose`, the client shuts its sending side after the bytes (a FIN), as some
    /// clients do once their request is out.
    static func exchange(
        port: Int, send bytes: String, halfClose: Bool = false, timeout: TimeAmount = .seconds(3)
    ) async throws -> String {
        try await exchangeUntilClosed(port: port, send: bytes, halfClose: halfClose, timeout: timeout).answer
    }

    /// The same, and whether the server closed the connection (false: `timeout` closed it).
    static func exchangeUntilClosed(
        port: Int, send bytes: String, halfClose: Bool = false, timeout: TimeAmount = .seconds(3)
    ) async throws -> (answer: String, serverClosed: Bool) {
        let timedOut = NIOLockedValueBox(false)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.any().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // The server may close before we finish writing (that is what some tests provoke):
        // what it answered is still the result.
        try? await channel.writeAndFlush(ByteBuffer(string: bytes))
        if halfClose { try? await channel.close(mode: .output) }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        let answer = try await promise.futureResult.get()
        return (answer, !timedOut.withLockedValue { $0 })
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String>
        var received = ""

        init(promise: EventLoopPromise<String>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) { promise.succeed(received) }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
