import BanditCore
import BanditHTML
import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix

/// The listening proxy: a NIO server whose connections each get a `ProxyHandler`, serving
/// with whatever `Serving` is current (a reload swaps it).
public final class ProxyServer: Sendable {
    private let channel: any Channel
    private let live: LiveServing
    private let connections: ConnectionRegistry

    /// The largest request header block accepted; larger ones get 431.
    static let maxHeaderBytes = 64 * 1024

    /// The address actually bound (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    /// What the server serves with now.
    var serving: Serving { live.serving }

    private init(channel: any Channel, live: LiveServing, connections: ConnectionRegistry) {
        self.channel = channel
        self.live = live
        self.connections = connections
    }

    static func start(
        listen: HostPort, serving: Serving, group: any EventLoopGroup, logger: Logger
    ) async throws -> ProxyServer {
        let live = LiveServing(serving)
        let metrics = serving.metrics
        let connections = ConnectionRegistry()
        // One per event loop, for all its connections: kept per connection, 10,000 idle
        // keep-alive clients would each hold a spare head or two.
        let headBuffers = try await oneForEachLoop(of: group) { _ in HeadBuffers() }
        let pageMemos = try await oneForEachLoop(of: group) { _ in RewriteMemo() }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // A client that finishes sending (FIN) after its request still gets the response:
            // `ProxyHandler` closes once it is out.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    connections.add(channel)
                    metrics.clientConnectionOpened()
                    // closeFuture, not channelInactive: a tunnel removes the HTTP handlers.
                    channel.closeFuture.whenComplete { _ in metrics.clientConnectionClosed() }
                    // No NIO HTTP codecs: `ProxyHandler` reads requests in place and writes response
                    // bytes itself. It also queues pipelined requests itself and keeps reading
                    // while a response is out (NIO's pipelining handler stops reading until each
                    // response ends: two `epoll_ctl` calls per request).
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyHandler(
                            live: live, eventLoop: channel.eventLoop,
                            headBuffers: headBuffers[ObjectIdentifier(channel.eventLoop)]!.value,
                            pageMemo: pageMemos[ObjectIdentifier(channel.eventLoop)]!.value))
                }
            }
            .bind(host: listen.host, port: listen.port)
            .get()
        logger.info(
            "listening",
            metadata: [
                "address": "\(channel.localAddress?.description ?? "?")",
                "upstream": "\(serving.config.upstream)",
            ])
        return ProxyServer(channel: channel, live: live, connections: connections)
    }

    /// Serves with `next` from each connection's next request on; returns what it replaces.
    func swap(to next: Serving) -> Serving { live.swap(to: next) }

    /// Stops accepting, lets in-flight requests finish for up to `grace`, then closes what is
    /// left and the idle upstream connections.
    public func close(grace: Duration = .zero) async {
        try? await channel.close()
        connections.quiesceAll()
        let deadline = ContinuousClock.now + grace
        while connections.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        connections.closeAll()
        let serving = live.serving
        await serving.closePools()
        serving.accessLog.flush()
    }
}
