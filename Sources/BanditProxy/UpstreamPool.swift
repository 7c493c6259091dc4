import NIOCore
import NIOPosix
import NIOSSL

/// Keep-alive connections to the upstream, one pool per event loop so a request never
/// hops threads: the client connection and its upstream connection share a loop.
///
/// Not thread-safe by design; every call happens on `eventLoop`.
final class UpstreamPool {
    struct Settings {
        var host: String
        var port: Int
        var connectTimeout: TimeAmount
        var idleTimeout: TimeAmount
        var metrics: ProxyMetrics
        /// For an https upstream: the TLS context, and the name its certificate must carry.
        var tls: NIOSSLContext?
        var serverHostname: String?
        var maxIdle: Int = 64
    }

    /// A pooled connection: the channel and its last handler.
    struct Connection {
        let channel: any Channel
        let handler: UpstreamHandler
        /// It served a request before; a failure before any response byte may be a stale keep-alive.
        var reused: Bool
    }

    private let eventLoop: any EventLoop
    private let settings: Settings
    private var idle: [Connection] = []
    /// After `closeAll` (shutdown, or an upstream changed by a reload) nothing is kept.
    private var closed = false

    init(eventLoop: any EventLoop, settings: Settings) {
        self.eventLoop = eventLoop
        self.settings = settings
    }

    var idleCount: Int { idle.count }

    /// Calls back on the event loop with an idle connection if one is alive (unless `fresh`),
    /// else a new one.
    func acquire(fresh: Bool = false, _ completion: @escaping (Result<Connection, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        while !fresh, let connection = idle.popLast() {
            connection.handler.idleExpiry?.disarm()
            if connection.channel.isActive {
                var reused = connection
                reused.reused = true
                completion(.success(reused))
                return
            }
        }
        connect(completion)
    }

    /// Gives a connection back after a complete exchange that allows reuse; its idle time
    /// starts at `now` (the caller's reading of the clock, if it has one).
    func release(_ connection: Connection, now: NIODeadline = .now()) {
        eventLoop.preconditionInEventLoop()
        connection.handler.delegate = nil
        guard connection.channel.isActive, idle.count < settings.maxIdle, !closed else {
            connection.channel.close(promise: nil)
            return
        }
        // A lazy deadline, like the client's: a kept-alive connection is released and taken
        // again on every request, and a timer scheduled and cancelled each time would cost more.
        connection.handler.idleExpiry?.arm(in: settings.idleTimeout, from: now)
        idle.append(connection)
    }

    /// Closes every idle connection, and each busy one when it is released.
    func closeAll() {
        closed = true
        for connection in idle {
            connection.handler.idleExpiry?.cancel()
            connection.channel.close(promise: nil)
        }
        idle.removeAll()
    }

    private func forget(_ channel: any Channel) {
        idle.removeAll { $0.channel === channel }
    }

    private func connect(_ completion: @escaping (Result<Connection, any Error>) -> Void) {
        let tls = settings.tls
        let serverHostname = settings.serverHostname
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(settings.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    // No HTTP codecs: `UpstreamHandler` reads responses itself (`UpstreamResponseReader`)
                    // and requests go out as the bytes `UpstreamRequest` wrote.
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
        bootstrap.connect(host: settings.host, port: settings.port).assumeIsolated().whenComplete { result in
            completion(
                result.flatMap { channel in
                    Result {
                        let handler = try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
                        let metrics = self.settings.metrics
                        metrics.upstreamConnectionOpened()
                        channel.closeFuture.whenComplete { _ in metrics.upstreamConnectionClosed() }
                        // Both hold the channel until it closes: the handler drops `onClose` and
                        // cancels `idleExpiry` then, which ends the cycle.
                        handler.onClose = { self.forget(channel) }
                        handler.idleExpiry = LazyDeadline(eventLoop: channel.eventLoop) {
                            self.forget(channel)
                            channel.close(promise: nil)
                        }
                        return Connection(channel: channel, handler: handler, reused: false)
                    }
                })
        }
    }
}
