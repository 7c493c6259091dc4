import BanditCore
import BanditHTML
import BanditStore
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import BanditProxy

/// A connection's handler and its deadlines hold each other (a deadline calls back into the
/// handler); the cycle must end with the connection, or every connection ever accepted would
/// stay in memory.
@Suite struct HandlerLifetimeTests {
    /// What a listener would serve with, on one embedded event loop (built here: `Serving.make`
    /// waits on its loops, which an embedded loop runs only when told).
    static func serving(on loop: EmbeddedEventLoop) -> LiveServing {
        let config = ProxyHarness.config(upstreamPort: 9)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let engine = ExperimentEngine(config: config, secret: config.session.secret!)
        let keeper = StateKeeper(engine: engine, store: MemoryStore(), logger: logger)
        let metrics = ProxyMetrics()
        let pool = UpstreamPool(
            eventLoop: loop,
            settings: .init(
                host: "127.0.0.1", port: 9, connectTimeout: .seconds(1), idleTimeout: .seconds(1), metrics: metrics))
        return LiveServing(
            Serving(
                config: config, engine: engine, keeper: keeper,
                admin: AdminRouter(engine: engine, keeper: keeper, adminToken: nil, metrics: metrics), logger: logger,
                metrics: metrics, accessLog: AccessLog(format: .off),
                pools: [ObjectIdentifier(loop): NIOLoopBound(pool, eventLoop: loop)], armPools: [:],
                upstream: .init(config)))
    }

    @Test func aClosedConnectionsHandlerIsFreed() throws {
        let loop = EmbeddedEventLoop()
        let live = Self.serving(on: loop)
        weak var released: ProxyHandler?
        do {
            let handler = ProxyHandler(live: live, eventLoop: loop, headBuffers: HeadBuffers(), pageMemo: RewriteMemo())
            released = handler
            let channel = EmbeddedChannel(handler: handler, loop: loop)
            // Active, and a request head begun: the idle deadline is armed and scheduled.
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHo"))
            _ = try? channel.finish()
        }
        #expect(released == nil, "the handler outlived its connection")
    }

    /// A handler made but never added to a pipeline (the channel failed first) is freed too.
    @Test func aHandlerNeverAddedIsFreed() {
        let loop = EmbeddedEventLoop()
        let live = Self.serving(on: loop)
        weak var released: ProxyHandler?
        do {
            let handler = ProxyHandler(live: live, eventLoop: loop, headBuffers: HeadBuffers(), pageMemo: RewriteMemo())
            released = handler
        }
        #expect(released == nil, "a handler that never served anything stayed in memory")
    }
}
