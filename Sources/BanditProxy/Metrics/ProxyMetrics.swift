import BanditCore
import NIOCore
import Prometheus

/// The proxy's Prometheus metrics, served at `/__bandits/metrics`.
///
/// Counters and gauges live in a `PrometheusCollectorRegistry` that this instance owns:
/// nothing is bootstrapped globally, so several proxies in one process (as in the tests) keep
/// separate numbers. Code written against swift-metrics can report into the same registry
/// through `metricsFactory`. Every hot-path method is a relaxed atomic add or two: no lock,
/// no allocation, no string formatting. Experiment and arm counts are read from the
/// engine's atomic counters when scraped.
final class ProxyMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    /// By status class: index 0 is 1xx … index 4 is 5xx.
    private let requests: [Counter]
    private let requestDuration: AtomicHistogram
    private let upstreamDuration: AtomicHistogram
    private let upstreamConnectErrors: Counter
    private let upstreamTimeouts: Counter
    private let openClientConnections: Gauge
    private let openUpstreamConnections: Gauge

    /// Latency buckets, from a fast cached page to the default response timeout.
    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
    ]

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let requestsName = MetricNameDescriptor(
            namespace: "bandit", metricName: "requests", unitName: "total",
            helpText: "Requests answered, by status class.")
        requests = ["1xx", "2xx", "3xx", "4xx", "5xx"].map { statusClass in
            registry.makeCounter(descriptor: requestsName, labels: [("status_class", statusClass)])
        }
        upstreamConnectErrors = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "bandit", subsystem: "upstream", metricName: "connect_errors", unitName: "total",
                helpText: "Connections to the upstream that failed (answered 502)."))
        upstreamTimeouts = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "bandit", subsystem: "upstream", metricName: "timeouts", unitName: "total",
                helpText: "Upstream responses that did not start within timeouts.responseSeconds (answered 504)."))
        openClientConnections = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "bandit", metricName: "open_client", unitName: "connections",
                helpText: "Client connections open now."))
        openUpstreamConnections = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "bandit", metricName: "open_upstream", unitName: "connections",
                helpText: "Upstream connections open now, in use or idle in the pool."))
        requestDuration = AtomicHistogram(
            name: "bandit_request_duration_seconds",
            help: "Time from a request's head to the end of its response, in seconds.",
            buckets: ProxyMetrics.durationBuckets)
        upstreamDuration = AtomicHistogram(
            name: "bandit_upstream_duration_seconds",
            help: "Time spent on the upstream per request (connecting, waiting, receiving), in seconds.",
            buckets: ProxyMetrics.durationBuckets)
    }

    /// A swift-metrics factory that reports into this registry, for code written against swift-metrics.
    var metricsFactory: PrometheusMetricsFactory { PrometheusMetricsFactory(registry: registry) }

    // MARK: hot path

    /// One request answered (proxied, refused or an error page). `upstreamDuration` is nil
    /// when the request never reached the upstream.
    func requestFinished(status: Int, duration: TimeAmount, upstreamDuration: TimeAmount?) {
        requests[min(max(status / 100, 1), 5) - 1].increment()
        requestDuration.record(duration)
        if let upstreamDuration { self.upstreamDuration.record(upstreamDuration) }
    }

    /// Connecting to the upstream failed (refused, unreachable, connect timeout): a 502.
    func upstreamConnectFailed() { upstreamConnectErrors.increment() }

    /// The upstream did not answer within `timeouts.responseSeconds`: a 504.
    func upstreamTimedOut() { upstreamTimeouts.increment() }

    func clientConnectionOpened() { openClientConnections.increment() }
    func clientConnectionClosed() { openClientConnections.decrement() }
    func upstreamConnectionOpened() { openUpstreamConnections.increment() }
    func upstreamConnectionClosed() { openUpstreamConnections.decrement() }

    // MARK: scrape

    /// Every metric in the Prometheus text format.
    func render(engine: ExperimentEngine) -> String {
        var text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        requestDuration.render(into: &text)
        upstreamDuration.render(into: &text)
        let experiments = engine.experiments.map { (experiment: $0, counts: $0.counts) }
        let families: [(name: String, help: String, value: (ArmCounts) -> Int)] = [
            ("bandit_assignments_total", "Sessions put on an arm.", \.assignments),
            ("bandit_views_total", "Sessions that reached an experiment's source page, by arm.", \.views),
            ("bandit_conversions_total", "Sessions that reached the target after their view, by arm.", \.conversions),
        ]
        for family in families {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) counter\n"
            for (experiment, counts) in experiments {
                for (arm, count) in zip(experiment.config.arms, counts) {
                    let labels = PrometheusText.labels([("experiment", experiment.name), ("arm", arm)])
                    text += "\(family.name)\(labels) \(family.value(count))\n"
                }
            }
        }
        text += "# HELP bandit_sessions_uncounted_total New sessions served but not counted, by reason.\n"
        text += "# TYPE bandit_sessions_uncounted_total counter\n"
        for (experiment, _) in experiments {
            for reason in ExperimentRuntime.UncountedReason.allCases {
                let labels = PrometheusText.labels([("experiment", experiment.name), ("reason", reason.rawValue)])
                text += "bandit_sessions_uncounted_total\(labels) \(experiment.uncountedSessions(reason))\n"
            }
        }
        text += "# HELP bandit_experiment_status Experiment status: 1 for the current one.\n"
        text += "# TYPE bandit_experiment_status gauge\n"
        for (experiment, _) in experiments {
            let current = experiment.state.status
            for status in [ExperimentStatus.running, .decided, .paused] {
                let labels = PrometheusText.labels([("experiment", experiment.name), ("status", status.rawValue)])
                text += "bandit_experiment_status\(labels) \(status == current ? 1 : 0)\n"
            }
        }
        text +=
            "# HELP bandit_guardrail_tripped Arm stopped by its guardrails (served the control, no new sessions): 1 if so.\n"
        text += "# TYPE bandit_guardrail_tripped gauge\n"
        for (experiment, _) in experiments {
            for (arm, name) in experiment.config.arms.enumerated() {
                let labels = PrometheusText.labels([("experiment", experiment.name), ("arm", name)])
                text += "bandit_guardrail_tripped\(labels) \(experiment.guardrails.isTripped(arm) ? 1 : 0)\n"
            }
        }
        return text
    }
}
