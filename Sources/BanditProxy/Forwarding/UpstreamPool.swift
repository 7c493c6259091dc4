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
        /// At most this many connections open (or opening) from this pool's event loop; a
        /// request finding them all busy waits for one, up to `connectTimeout`. Nil: no limit.
        var maxConnections: Int?
    }

    /// No connection became free within the connect timeout: every one allowed is busy.
    struct AllConnectionsBusy: Error {}

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
    /// Connections open or being opened (counted against `maxConnections`).
    private var openCount = 0
    /// Requests waiting for a connection, oldest first (only with `maxConnections`).
    private var waiters = CircularBuffer<Waiter>()
    private var nextWaiterID = 0

    private struct Waiter {
        let id: Int
        let completion: (Result<Connection, any Error>) -> Void
        let timeout: Scheduled<Void>
    }

    init(eventLoop: any EventLoop, settings: Settings) {
        self.eventLoop = eventLoop
        self.settings = settings
    }

    /// Calls back on the event loop with an idle connection if one is alive (unless `fresh`),
    /// else a new one; at `maxConnections`, with the next one released or the next place
    /// freed by a close, or `AllConnectionsBusy` after the connect timeout.
    func acquire(fresh: Bool = false, _ completion: @escaping (Result<Connection, any Error>) -> Void) {
        // Asserted (debug builds), not preconditioned: the pool is reached only through its
        // loop's `NIOLoopBound`, and the check is a thread-local lookup on every request.
        eventLoop.assertInEventLoop()
        while !fresh, let connection = idle.popLast() {
            connection.handler.idleExpiry?.disarm()
            if connection.channel.isActive {
                var reused = connection
                reused.reused = true
                completion(.success(reused))
                return
            }
        }
        if let limit = settings.maxConnections, openCount >= limit, !closed {
            wait(completion)
        } else {
            connect(completion)
        }
    }

    /// Queues a request until a connection is released or closed, or the connect timeout.
    private func wait(_ completion: @escaping (Result<Connection, any Error>) -> Void) {
        let id = nextWaiterID
        nextWaiterID += 1
        let timeout = eventLoop.assumeIsolated().scheduleTask(in: settings.connectTimeout) { () -> Void in
            guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return }
            self.waiters.remove(at: index)
            completion(.failure(AllConnectionsBusy()))
        }
        waiters.append(Waiter(id: id, completion: completion, timeout: timeout))
    }

    /// The oldest waiting request, no longer waiting.
    private func takeWaiter() -> Waiter? {
        guard let waiter = waiters.popFirst() else { return nil }
        waiter.timeout.cancel()
        return waiter
    }

    /// Gives a connection back after a complete exchange that allows reuse; its idle time
    /// starts at `now` (the caller's reading of the clock, if it has one).
    func release(_ connection: Connection, now: NIODeadline = .now()) {
        eventLoop.assertInEventLoop()
        connection.handler.delegate = nil
        if connection.channel.isActive, !closed, let waiter = takeWaiter() {
            // Handed on at the next tick: the releasing exchange is still finishing its response.
            var reused = connection
            reused.reused = true
            eventLoop.assumeIsolated().execute { waiter.completion(.success(reused)) }
            return
        }
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
        while let waiter = takeWaiter() { waiter.completion(.failure(ChannelError.ioOnClosedChannel)) }
    }

    /// A connection of this pool closed: a waiting request may open one in its place.
    private func connectionEnded() {
        openCount -= 1
        guard !closed, let waiter = takeWaiter() else { return }
        connect(waiter.completion)
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
        openCount += 1
        bootstrap.connect(host: settings.host, port: settings.port).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                // Counted until it closes, pooled, busy or handed to a tunnel alike.
                channel.closeFuture.assumeIsolated().whenComplete { _ in self.connectionEnded() }
            case .failure:
                self.connectionEnded()
            }
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
                        let idleExpiry = LazyDeadline(eventLoop: channel.eventLoop)
                        idleExpiry.whenExpired {
                            self.forget(channel)
                            channel.close(promise: nil)
                        }
                        handler.idleExpiry = idleExpiry
                        return Connection(channel: channel, handler: handler, reused: false)
                    }
                })
        }
    }
}
