import NIOCore
import NIOPosix

/// A server that accepts any `Upgrade` handshake with 101 and then echoes every byte, and
/// closes once it has echoed "quit": a stand-in for a WebSocket server.
enum UpgradeEchoServer {
    static func start() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Echo()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    private final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private var handshake = ByteBuffer()
        private var upgraded = false
        private var tail = ""

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            if !upgraded {
                handshake.writeBuffer(&buffer)
                let text = String(buffer: handshake)
                guard let end = text.range(of: "\r\n\r\n") else { return }
                upgraded = true
                let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
                context.write(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
                buffer = ByteBuffer(string: String(text[end.upperBound...]))
            }
            guard buffer.readableBytes > 0 else {
                context.flush()
                return
            }
            tail = String((tail + String(buffer: buffer)).suffix(4))
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            if tail == "quit" { context.close(promise: nil) }
        }
    }
}
