import BanditCore
import BanditStore
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The configuration in force and what serves it: its engine, state keeper, admin API,
/// metrics, access log and upstream pools. Immutable, or safe to use from any event loop:
/// every connection handler holds the current one.
///
/// A reload (SIGHUP) builds a new `Serving` and swaps it into the running server
/// (`LiveServing`); each connection picks up the current one at its next request, so nothing
/// is refused and no connection is cut.
struct Serving: Sendable {
    let config: ProxyConfig
    let engine: ExperimentEngine
    let keeper: StateKeeper
    let admin: AdminRouter
    let logger: Logger
    /// Request, upstream and connection metrics for `/__bandits/metrics`.
    let metrics: ProxyMetrics
    let accessLog: AccessLog
    /// Decisions of this engine still waiting for their response (see `LiveServing`).
    let pendingCommits = PendingCommits()
    let pools: PoolsByLoop
    /// The pools of the arms that have an upstream of their own (`ArmVariant.upstream`).
    let armPools: [UpstreamURL: PoolsByLoop]
    /// What the pools were built for: a reload keeps them while this stays the same.
    let upstream: UpstreamIdentity

    typealias PoolsByLoop = [ObjectIdentifier: NIOLoopBound<UpstreamPool>]

    var clientIdleTimeout: TimeAmount { .milliseconds(Int64(config.timeouts.clientIdleSeconds * 1000)) }

    var tunnelIdleTimeout: TimeAmount { .milliseconds(Int64(config.timeouts.tunnelIdleSeconds * 1000)) }

    var responseTimeout: TimeAmount { .milliseconds(Int64(config.timeouts.responseSeconds * 1000)) }

    /// What makes two sets of upstream pools interchangeable.
    struct UpstreamIdentity: Equatable {
        var upstream: UpstreamURL
        var armUpstreams: Set<UpstreamURL>
        var caFile: String?
        var connectSeconds: Double
        var idleSeconds: Double
        var maxConnections: Int?

        init(_ config: ProxyConfig) {
            upstream = config.upstream
            armUpstreams = Set(config.experiments.flatMap { $0.armVariants.compactMap(\.upstream) })
            caFile = config.upstreamCAFile
            connectSeconds = config.timeouts.connectSeconds
            idleSeconds = config.timeouts.idleSeconds
            maxConnections = config.maxUpstreamConnections
        }
    }

    /// Builds the serving state for `config`, keeping `previous`'s upstream pools (and
    /// their warm connections) when the upstream did not change.
    static func make(
        config: ProxyConfig, engine: ExperimentEngine, keeper: StateKeeper, metrics: ProxyMetrics,
        accessLog: AccessLog, group: any EventLoopGroup, logger: Logger, previous: Serving? = nil
    ) async throws -> Serving {
        let admin = AdminRouter(engine: engine, keeper: keeper, adminToken: config.adminToken, metrics: metrics)
        let identity = UpstreamIdentity(config)
        if let previous, previous.upstream == identity {
            return Serving(
                config: config, engine: engine, keeper: keeper, admin: admin, logger: logger, metrics: metrics,
                accessLog: accessLog, pools: previous.pools, armPools: previous.armPools, upstream: identity)
        }
        let pools = try await makePools(for: config.upstream, config: config, metrics: metrics, group: group)
        var armPools: [UpstreamURL: PoolsByLoop] = [:]
        for upstream in identity.armUpstreams {
            armPools[upstream] = try await makePools(for: upstream, config: config, metrics: metrics, group: group)
        }
        return Serving(
            config: config, engine: engine, keeper: keeper, admin: admin, logger: logger, metrics: metrics,
            accessLog: accessLog, pools: pools, armPools: armPools, upstream: identity)
    }

    /// One pool per event loop for `upstream`, with the main upstream's timeouts, limit and TLS trust.
    private static func makePools(
        for upstream: UpstreamURL, config: ProxyConfig, metrics: ProxyMetrics, group: any EventLoopGroup
    ) async throws -> PoolsByLoop {
        let loops = Array(group.makeIterator())
        let settings = UpstreamPool.Settings(
            host: upstream.host, port: upstream.port,
            connectTimeout: .milliseconds(Int64(config.timeouts.connectSeconds * 1000)),
            idleTimeout: .milliseconds(Int64(config.timeouts.idleSeconds * 1000)), metrics: metrics,
            tls: try upstreamTLS(upstream, caFile: config.upstreamCAFile),
            // A name is checked against the certificate (and sent as SNI); an IP address cannot be.
            serverHostname: IPRange(upstream.host) == nil ? upstream.host : nil,
            // Each loop's pool gets its share of the limit (rounded up: a limit below the number
            // of loops still lets every loop open one).
            maxConnections: config.maxUpstreamConnections.map { ($0 + loops.count - 1) / loops.count })
        return try await oneForEachLoop(of: group) { loop in UpstreamPool(eventLoop: loop, settings: settings) }
    }

    /// The client TLS context for an https upstream: the system's trust roots plus
    /// `upstreamTLS.caFile`, full certificate verification.
    static func upstreamTLS(_ upstream: UpstreamURL, caFile: String?) throws -> NIOSSLContext? {
        guard upstream.scheme == "https" else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        return try NIOSSLContext(configuration: tls)
    }

    /// Closes the idle upstream connections; connections still in use close when released.
    func closePools() async {
        for pool in pools.values + armPools.values.flatMap(\.values) {
            try? await pool.eventLoop.submit { pool.value.closeAll() }.get()
        }
    }
}

/// The current `Serving`, readable from every event loop.
///
/// Handlers compare a generation number (one atomic load per request) and take the lock only
/// after a reload.
final class LiveServing: Sendable {
    private let current: Mutex<Serving>
    private let generationCounter = Atomic<Int>(0)

    init(_ serving: Serving) { current = Mutex(serving) }

    var generation: Int { generationCounter.load(ordering: .acquiring) }

    var serving: Serving { current.withLock { $0 } }

    /// Installs `next`; returns the one it replaces.
    func swap(to next: Serving) -> Serving {
        let previous = current.withLock { serving in
            let previous = serving
            serving = next
            return previous
        }
        generationCounter.wrappingAdd(1, ordering: .releasing)
        return previous
    }
}

/// Decisions made but not yet committed (or abandoned): a retired engine is drained of them
/// before its last counts move to the new one.
final class PendingCommits: Sendable {
    private let count = Atomic<Int>(0)

    func began() { count.wrappingAdd(1, ordering: .relaxed) }
    func ended() { count.wrappingSubtract(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
