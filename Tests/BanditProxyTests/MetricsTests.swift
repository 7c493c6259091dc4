import BanditCore
import Foundation
import Testing

@testable import BanditProxy

/// `/__bandits/metrics`: Prometheus text a scraper can parse, with the families operators
/// graph, and per-arm counts that match what visitors did.
@Suite struct MetricsTests {
    /// One sample line: `name{labels} value`.
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses the text format strictly: every line is `# HELP`, `# TYPE` or a sample.
    static func parse(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (
        samples: [Sample], types: [String: String]
    ) {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        let sampleLine = /([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))/
        let labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/
        #expect(text.hasSuffix("\n"), "the last line ends too", sourceLocation: sourceLocation)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 4, "\(line)", sourceLocation: sourceLocation)
                #expect(
                    ["counter", "gauge", "histogram"].contains(parts.last.map(String.init) ?? ""), "\(line)",
                    sourceLocation: sourceLocation)
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            guard let match = line.wholeMatch(of: sampleLine) else {
                Issue.record("not a comment nor a sample: \(line)", sourceLocation: sourceLocation)
                continue
            }
            var labels: [String: String] = [:]
            if let block = match.2 {
                let inner = block.dropFirst().dropLast()
                for pair in inner.matches(of: labelPair) { labels[String(pair.1)] = String(pair.2) }
                let rebuilt = labels.isEmpty ? 0 : inner.matches(of: labelPair).map(\.0.count).reduce(0, +)
                #expect(rebuilt + max(0, labels.count - 1) == inner.count, "\(line)", sourceLocation: sourceLocation)
            }
            let value = match.3 == "+Inf" || match.3 == "Inf" ? Double.infinity : Double(match.3) ?? .nan
            samples.append(Sample(name: String(match.1), labels: labels, value: value))
        }
        return (samples, types)
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    @Test func scrapeParsesAndMatchesWhatVisitorsDid() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            for index in 0..<9 {
                let visitor = Visitor(harness)
                try await visitor.get("/")
                if index % 2 == 0 { try await visitor.get("/contact/") }
                if index < 3 { try await visitor.get("/pricing/") }
            }
            let response = try await harness.get("/__bandits/metrics")
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let (samples, types) = Self.parse(response.body)

            let families: [String: String] = [
                "bandit_requests_total": "counter", "bandit_request_duration_seconds": "histogram",
                "bandit_upstream_duration_seconds": "histogram", "bandit_upstream_connect_errors_total": "counter",
                "bandit_upstream_timeouts_total": "counter", "bandit_open_client_connections": "gauge",
                "bandit_open_upstream_connections": "gauge", "bandit_assignments_total": "counter",
                "bandit_views_total": "counter", "bandit_conversions_total": "counter",
                "bandit_experiment_status": "gauge",
            ]
            for (family, type) in families { #expect(types[family] == type, "\(family)") }
            for statusClass in ["1xx", "2xx", "3xx", "4xx", "5xx"] {
                #expect(Self.value(samples, "bandit_requests_total", ["status_class": statusClass]) != nil)
            }

            for (experiment, arms) in [("headline", ["control", "bold"]), ("cta", ["plain", "green", "red"])] {
                let counts = harness.counts(experiment)
                for (index, arm) in arms.enumerated() {
                    let labels = ["experiment": experiment, "arm": arm]
                    #expect(
                        Self.value(samples, "bandit_views_total", labels) == Double(counts[index].views), "\(labels)")
                    #expect(
                        Self.value(samples, "bandit_conversions_total", labels) == Double(counts[index].conversions))
                    #expect(
                        Self.value(samples, "bandit_assignments_total", labels) == Double(counts[index].assignments))
                }
            }
            let headlineViews = samples.filter {
                $0.name == "bandit_views_total" && $0.labels["experiment"] == "headline"
            }
            #expect(headlineViews.map(\.value).reduce(0, +) == 9)
            let ctaViews = samples.filter { $0.name == "bandit_views_total" && $0.labels["experiment"] == "cta" }
            #expect(ctaViews.map(\.value).reduce(0, +) == 3)
            #expect(
                Self.value(samples, "bandit_experiment_status", ["experiment": "headline", "status": "running"]) == 1)
            #expect(
                Self.value(samples, "bandit_experiment_status", ["experiment": "headline", "status": "paused"]) == 0)

            // Histograms: cumulative buckets ending in +Inf, which equals the count.
            for histogram in ["bandit_request_duration_seconds", "bandit_upstream_duration_seconds"] {
                let buckets = samples.filter { $0.name == histogram + "_bucket" }
                #expect(buckets.count == ProxyMetrics.durationBuckets.count + 1)
                #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value }, "cumulative")
                #expect(buckets.last?.labels["le"] == "+Inf")
                #expect(buckets.last?.value == Self.value(samples, histogram + "_count"))
                #expect(Self.value(samples, histogram + "_sum") != nil)
            }
        }
    }

    @Test func proxiedRequestsAndConnectionsAreCountedByTheProxyItself() async throws {
        try await withProxy(
            await ProxyHarness.start { request in
                request.path == "/missing" ? .init(status: 404, body: "no") : .init()
            }
        ) { harness in
            for _ in 0..<7 { _ = try await harness.get("/about/") }
            for _ in 0..<2 { _ = try await harness.get("/missing") }
            // The client connections' closes land on the event loops after their responses.
            var samples = Self.parse(try await harness.get("/__bandits/metrics").body).0
            _ = try await eventually {
                samples = Self.parse(try await harness.get("/__bandits/metrics").body).0
                return Self.value(samples, "bandit_open_client_connections") == 1
            }
            #expect(Self.value(samples, "bandit_requests_total", ["status_class": "2xx"]) == 7)
            #expect(Self.value(samples, "bandit_requests_total", ["status_class": "4xx"]) == 2)
            #expect(Self.value(samples, "bandit_request_duration_seconds_count") == 9)
            #expect(Self.value(samples, "bandit_upstream_duration_seconds_count") == 9)
            #expect(Self.value(samples, "bandit_open_client_connections") == 1, "only the scrape's own connection")
            #expect((Self.value(samples, "bandit_open_upstream_connections") ?? 0) >= 1, "kept alive in the pool")
        }
    }

    @Test func unreachableAndSlowUpstreamsAreCounted() async throws {
        try await withProxy(
            await ProxyHarness.start(
                responder: { _ in .init(delay: .seconds(2)) }, configure: { $0.timeouts.responseSeconds = 0.2 })
        ) { harness in
            #expect(try await harness.get("/about/").status == 504)
            let (samples, _) = Self.parse(try await harness.get("/__bandits/metrics").body)
            #expect(Self.value(samples, "bandit_upstream_timeouts_total") == 1)
            #expect(Self.value(samples, "bandit_requests_total", ["status_class": "5xx"]) == 1)
        }
    }

    @Test func hotPathCallsShowUpInTheScrape() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let metrics = ProxyMetrics()
            metrics.requestFinished(status: 200, duration: .milliseconds(3), upstreamDuration: .milliseconds(2))
            metrics.requestFinished(status: 204, duration: .milliseconds(40), upstreamDuration: .milliseconds(30))
            metrics.requestFinished(status: 302, duration: .seconds(2), upstreamDuration: nil)
            metrics.requestFinished(status: 502, duration: .seconds(120), upstreamDuration: .seconds(5))
            metrics.requestFinished(status: 101, duration: .zero, upstreamDuration: nil)
            metrics.upstreamConnectFailed()
            metrics.upstreamTimedOut()
            metrics.upstreamTimedOut()
            metrics.clientConnectionOpened()
            metrics.clientConnectionOpened()
            metrics.clientConnectionClosed()
            metrics.upstreamConnectionOpened()

            let (samples, _) = Self.parse(metrics.render(engine: harness.runtime.engine))
            let requests = { (statusClass: String) in
                Self.value(samples, "bandit_requests_total", ["status_class": statusClass])
            }
            #expect(requests("1xx") == 1 && requests("2xx") == 2 && requests("3xx") == 1)
            #expect(requests("4xx") == 0 && requests("5xx") == 1)
            #expect(Self.value(samples, "bandit_upstream_connect_errors_total") == 1)
            #expect(Self.value(samples, "bandit_upstream_timeouts_total") == 2)
            #expect(Self.value(samples, "bandit_open_client_connections") == 1)
            #expect(Self.value(samples, "bandit_open_upstream_connections") == 1)

            let duration = "bandit_request_duration_seconds"
            #expect(Self.value(samples, duration + "_count") == 5)
            #expect(Self.value(samples, duration + "_bucket", ["le": "0.005"]) == 2, "0 and 3 ms")
            #expect(Self.value(samples, duration + "_bucket", ["le": "0.05"]) == 3)
            #expect(Self.value(samples, duration + "_bucket", ["le": "2.5"]) == 4)
            #expect(Self.value(samples, duration + "_bucket", ["le": "60"]) == 4, "120 s only in +Inf")
            #expect(Self.value(samples, duration + "_bucket", ["le": "+Inf"]) == 5)
            #expect(abs((Self.value(samples, duration + "_sum") ?? 0) - 122.043) < 1e-9)
            #expect(Self.value(samples, "bandit_upstream_duration_seconds_count") == 3)

            // Each proxy has its own registry: the live one saw none of this.
            let live = try await harness.get("/__bandits/metrics")
            let (liveSamples, _) = Self.parse(live.body)
            #expect(Self.value(liveSamples, "bandit_upstream_timeouts_total") == 0)
        }
    }

    @Test func labelValuesAreEscaped() {
        #expect(PrometheusText.labels([("arm", "a\"b\\c\nd")]) == #"{arm="a\"b\\c\nd"}"#)
        #expect(PrometheusText.number(0.25) == "0.25" && PrometheusText.number(60) == "60")
        #expect(PrometheusText.number(.infinity) == "+Inf")
    }
}
