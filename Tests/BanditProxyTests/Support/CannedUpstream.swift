import NIOCore
import NIOPosix

/// An upstream on 127.0.0.1 that answers each request head with bytes the test writes
/// itself: for responses a well-behaved HTTP library would refuse to produce.
final class CannedUpstream: Sendable {
    struct Answer: Sendable {
        var bytes: String
        /// Close the connection after the answer (a body that runs until the close).
        var close = false
    }

    private let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel) { self.channel = channel }

    static func start(_ answer: @escaping @Sendable (_ requestHead: String) -> Answer) async throws -> CannedUpstream {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Answerer(answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CannedUpstream(channel: channel)
    }

    func stop() async throws { try await channel.close() }

    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answer: @Sendable (String) -> Answer
        var received = ""

        init(answer: @escaping @Sendable (String) -> Answer) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
            // Requests without bodies only: each head is answered as soon as it is complete.
            while let end = received.range(of: "\r\n\r\n") {
                let head = String(received[..<end.lowerBound])
                received = String(received[end.upperBound...])
                let reply = answer(head)
                let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply.bytes)))
                if reply.close {
                    written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                    return
                }
            }
        }
    }
}
