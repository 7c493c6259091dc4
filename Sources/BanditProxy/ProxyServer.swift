public import BanditCore
public import BanditStore
public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The listening proxy: a NIO server whose connections each get a `ProxyHandler`, with one
/// upstream pool per event loop.
public final class ProxyServer: Sendable {
    private let channel: any Channel
    private let pools: [ObjectIdentifier: NIOLoopBound<UpstreamPool>]
    private let connections: ConnectionRegistry
    private let accessLog: AccessLog

    /// The largest request header block accepted; larger ones get 431.
    static let maxHeaderBytes = 64 * 1024

    /// The address actually bound (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    private init(
        channel: any Channel, pools: [ObjectIdentifier: NIOLoopBound<UpstreamPool>], connections: ConnectionRegistry,
        accessLog: AccessLog
    ) {
        self.channel = channel
        self.pools = pools
        self.connections = connections
        self.accessLog = accessLog
    }

    public static func start(
        config: ProxyConfig, engine: ExperimentEngine, keeper: StateKeeper, group: any EventLoopGroup, logger: Logger
    ) async throws -> ProxyServer {
        let metrics = ProxyMetrics()
        let services = ProxyServices(
            config: config, engine: engine, keeper: keeper,
            admin: AdminRouter(engine: engine, keeper: keeper, adminToken: config.adminToken, metrics: metrics),
            logger: logger, metrics: metrics, accessLog: AccessLog(format: config.accessLog))
        let settings = UpstreamPool.Settings(
            host: config.upstream.host, port: config.upstream.port,
            connectTimeout: .milliseconds(Int64(config.timeouts.connectSeconds * 1000)),
            idleTimeout: .milliseconds(Int64(config.timeouts.idleSeconds * 1000)), metrics: metrics,
            tls: try upstreamTLS(config),
            // A name is checked against the certificate (and sent as SNI); an IP address cannot be.
            serverHostname: IPRange(config.upstream.host) == nil ? config.upstream.host : nil)
        var pools: [ObjectIdentifier: NIOLoopBound<UpstreamPool>] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(UpstreamPool(eventLoop: loop, settings: settings), eventLoop: loop)
            }.get()
        }
        let frozenPools = pools
        let connections = ConnectionRegistry()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    connections.add(channel)
                    metrics.clientConnectionOpened()
                    // closeFuture, not channelInactive: a tunnel removes the HTTP handlers.
                    channel.closeFuture.whenComplete { _ in metrics.clientConnectionClosed() }
                    let pool = frozenPools[ObjectIdentifier(channel.eventLoop)]!.value
                    var limits = NIOHTTPDecoderLimitConfiguration()
                    limits.maxHeaderListSize = ProxyServer.maxHeaderBytes
                    limits.maxHeaderFieldSize = ProxyServer.maxHeaderBytes
                    // An upgrade configuration without upgraders: NIO then passes upgrade requests
                    // through to us and keeps the bytes a client sends past its handshake, which
                    // the tunnel forwards once the upstream agrees (`Tunnel.join`).
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withServerUpgrade: ([], { _ in }), withErrorHandling: false,
                        withOutboundHeaderValidation: true, withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: limits)
                    try channel.pipeline.syncOperations.addHandler(ProtocolErrorResponder())
                    try channel.pipeline.syncOperations.addHandler(ProxyHandler(services: services, pool: pool))
                }
            }
            .bind(host: config.listen.host, port: config.listen.port)
            .get()
        logger.info(
            "listening",
            metadata: ["address": "\(channel.localAddress?.description ?? "?")", "upstream": "\(config.upstream)"])
        return ProxyServer(
            channel: channel, pools: frozenPools, connections: connections, accessLog: services.accessLog)
    }

    /// The client TLS context for an https upstream: the system's trust roots plus
    /// `upstreamTLS.caFile`, full certificate verification.
    static func upstreamTLS(_ config: ProxyConfig) throws -> NIOSSLContext? {
        guard config.upstream.scheme == "https" else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile = config.upstreamCAFile { tls.additionalTrustRoots = [.file(caFile)] }
        return try NIOSSLContext(configuration: tls)
    }

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
        for pool in pools.values {
            try? await pool.eventLoop.submit { pool.value.closeAll() }.get()
        }
        accessLog.flush()
    }
}
