import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends raw bytes to a server and collects everything it answers until it closes the
/// connection or `timeout` passes: for requests no well-behaved client would send.
enum RawConnection {
    /// With `halfClose`, the client shuts its sending side after the bytes (a FIN), as some
    /// clients do once their request is out.
    /// `from` binds the client's end to another loopback address (`127.0.0.2`), so the
    /// server sees a peer other than 127.0.0.1.
    static func exchange(
        port: Int, send bytes: String, halfClose: Bool = false, timeout: TimeAmount = .seconds(30),
        from source: String? = nil
    ) async throws -> String {
        try await exchangeUntilClosed(port: port, send: bytes, halfClose: halfClose, timeout: timeout, from: source)
            .answer
    }

    /// The same, and whether the server closed the connection (false: `timeout` closed it).
    static func exchangeUntilClosed(
        port: Int, send bytes: String, halfClose: Bool = false, timeout: TimeAmount = .seconds(30),
        from source: String? = nil
    ) async throws -> (answer: String, serverClosed: Bool) {
        let timedOut = NIOLockedValueBox(false)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.any().makePromise(of: String.self)
        var bootstrap = ClientBootstrap(group: group)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel =
            try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Collector(promise: promise, sending: ByteBuffer(string: bytes), halfClose: halfClose))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
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
        typealias OutboundOut = ByteBuffer
        let promise: EventLoopPromise<String>
        let sending: ByteBuffer
        let halfClose: Bool
        var received = ""

        init(promise: EventLoopPromise<String>, sending: ByteBuffer, halfClose: Bool) {
            self.promise = promise
            self.sending = sending
            self.halfClose = halfClose
        }

        /// The bytes go out from the event loop as soon as the connection is up, not from the
        /// test's task: a parallel suite can starve that task for seconds, longer than the
        /// server's idle timeout. The server may close before they are all written (that is
        /// what some tests provoke): what it answered is still the result.
        func channelActive(context: ChannelHandlerContext) {
            let written = context.writeAndFlush(wrapOutboundOut(sending))
            if halfClose {
                written.assumeIsolated().whenComplete { _ in context.close(mode: .output, promise: nil) }
            }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) { promise.succeed(received) }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
