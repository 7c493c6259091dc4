import NIOCore
import NIOPosix
import Synchronization

/// A TCP relay on 127.0.0.1 to another local port, which a test can cut and restore, like a
/// database server that goes away and comes back: `cut()` closes every relayed connection
/// and closes new ones at once until `restore()`.
final class TCPRelay: Sendable {
    private let listener: any Channel
    private let state = Mutex<(down: Bool, open: [any Channel])>((false, []))

    var port: Int { listener.localAddress!.port! }

    private init(listener: any Channel) { self.listener = listener }

    static func start(to targetPort: Int) async throws -> TCPRelay {
        let box = Mutex<TCPRelay?>(nil)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                let relay = box.withLock { $0! }
                guard relay.admit(inbound) else { return inbound.close() }
                return ClientBootstrap(group: inbound.eventLoop).connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { outbound in
                        guard relay.admit(outbound) else {
                            outbound.close(promise: nil)
                            throw ChannelError.ioOnClosedChannel
                        }
                        try inbound.pipeline.syncOperations.addHandler(Pipe(partner: outbound))
                        try outbound.pipeline.syncOperations.addHandler(Pipe(partner: inbound))
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let relay = TCPRelay(listener: listener)
        box.withLock { $0 = relay }
        return relay
    }

    /// Remembers a channel to close on `cut()`; false while the relay is cut.
    private func admit(_ channel: any Channel) -> Bool {
        state.withLock { state in
            if state.down { return false }
            state.open.append(channel)
            return true
        }
    }

    func cut() {
        let open = state.withLock { state in
            state.down = true
            defer { state.open = [] }
            return state.open
        }
        for channel in open { channel.close(promise: nil) }
    }

    func restore() { state.withLock { $0.down = false } }

    func stop() async throws {
        cut()
        try await listener.close()
    }

    /// Writes whatever arrives to the partner; closing either side closes both.
    private final class Pipe: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let partner: any Channel

        init(partner: any Channel) { self.partner = partner }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
