import BanditCore
import BanditProxy
import Foundation
import Logging

/// A running proxy in front of a recording upstream, plus a small cookie-keeping client.
struct ProxyHarness {
    let upstream: RecordingUpstream
    let runtime: ProxyRuntime
    var port: Int { runtime.localAddress!.port! }

    static let headline = ExperimentConfig(
        name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"],
        algorithm: .thompson, injection: .header("X-Bandit-Headline"), minViews: 100)
    static let cta = ExperimentConfig(
        name: "cta", source: PathPattern("/pricing/"), target: PathPattern("/signup/"),
        arms: ["plain", "green", "red"],
        algorithm: .epsilonGreedy(epsilon: 0.1), injection: .query("cta"), ignoreAuthenticated: true)

    static func config(upstreamPort: Int, _ customise: (inout ProxyConfig) -> Void = { _ in }) -> ProxyConfig {
        var config = ProxyConfig(
            listen: HostPort(host: "127.0.0.1", port: 0),
            upstream: UpstreamURL(host: "127.0.0.1", port: upstreamPort),
            storage: .memory,
            flushIntervalMs: 50,
            session: SessionSettings(secret: "test-secret-0123456789", authCookie: "sessionid"),
            exclude: ExcludeRules(paths: ["/static/"], regex: "\\.php$", userAgents: "(?i)bot|crawler"),
            experiments: [headline, cta])
        customise(&config)
        return config
    }

    static func start(
        responder: @escaping RecordingUpstream.Responder = { _ in .init() },
        configure: (inout ProxyConfig) -> Void = { _ in }
    ) async throws -> ProxyHarness {
        let upstream = try await RecordingUpstream.start(responder: responder)
        let config = config(upstreamPort: upstream.port, configure)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runtime = try await ProxyRuntime.start(config: config, logger: logger)
        return ProxyHarness(upstream: upstream, runtime: runtime)
    }

    func stop() async throws {
        await runtime.shutdown()
        try await upstream.stop()
    }

    func get(_ path: String, headers: [(String, String)] = [], method: String = "GET", body: String? = nil)
        async throws -> SimpleHTTPClient.Response
    {
        try await SimpleHTTPClient.request(
            host: "127.0.0.1", port: port, method: method, path: path, headers: headers, body: body)
    }

    func counts(_ experiment: String) -> [ArmCounts] {
        runtime.engine.experiment(named: experiment)!.counts
    }

    func totalViews(_ experiment: String) -> Int { counts(experiment).reduce(0) { $0 + $1.views } }
    func totalConversions(_ experiment: String) -> Int { counts(experiment).reduce(0) { $0 + $1.conversions } }
}

/// Runs `body` with the proxy `start` gives, then stops it (its runtime and upstream) before
/// returning, whether `body` returned or threw: the next test never shares a half-stopped
/// proxy, and a failure to stop is reported, not lost in a detached task.
func withProxy(
    _ start: @autoclosure () async throws -> ProxyHarness, _ body: (ProxyHarness) async throws -> Void
) async throws {
    let harness = try await start()
    do {
        try await body(harness)
    } catch {
        try? await harness.stop()  // the test's own failure is the one to report
        throw error
    }
    try await harness.stop()
}

/// A visitor's browser: keeps the session cookie between requests.
final class Visitor: @unchecked Sendable {
    private let harness: ProxyHarness
    var cookie: String?
    var userAgent = "Mozilla/5.0 (test)"

    init(_ harness: ProxyHarness, cookie: String? = nil) {
        self.harness = harness
        self.cookie = cookie
    }

    @discardableResult
    func get(_ path: String, headers: [(String, String)] = []) async throws -> SimpleHTTPClient.Response {
        var all = headers
        all.append(("User-Agent", userAgent))
        if let cookie { all.append(("Cookie", cookie)) }
        let response = try await harness.get(path, headers: all)
        if let set = response.header("set-cookie"), let pair = set.split(separator: ";").first {
            cookie = String(pair)
        }
        return response
    }

    /// The arm the upstream was told about in the last request that reached it.
    func lastArm(_ header: String = "X-Bandit-Headline") -> String? {
        harness.upstream.requests.last?.header(header)
    }
}
