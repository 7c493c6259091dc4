import BanditCore
import BanditStore
import Logging
import NIOCore

/// What every connection handler shares: immutable, or safe to use from any event loop.
struct ProxyServices: Sendable {
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

    var clientIdleTimeout: TimeAmount { .milliseconds(Int64(config.timeouts.clientIdleSeconds * 1000)) }

    var tunnelIdleTimeout: TimeAmount { .milliseconds(Int64(config.timeouts.tunnelIdleSeconds * 1000)) }

    var responseTimeout: TimeAmount { .milliseconds(Int64(config.timeouts.responseSeconds * 1000)) }
}
