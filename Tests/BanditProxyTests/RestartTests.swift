import BanditCore
import BanditStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BanditProxy

@Suite struct RestartTests {
    @Test func countsDecisionsAndSessionsSurviveARestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        var config = ProxyHarness.config(upstreamPort: upstream.port)
        config.storage = .sqlite(path: path)
        config.session.secret = nil  // generated once, kept in storage
        var logger = Logger(label: "test")
        logger.logLevel = .critical

        let first = try await ProxyRuntime.start(config: config, logger: logger)
        let harness = ProxyHarness(upstream: upstream, runtime: first)
        let visitor = Visitor(harness)
        try await visitor.get("/")
        let arm = try #require(visitor.lastArm())
        try await visitor.get("/about/")  // the cookie came back: its view is confirmed
        for _ in 0..<4 { try await Visitor(harness).get("/") }
        let ctaWinner = try await harness.get(
            "/__bandits/api/experiments/cta/winner", method: "POST", body: #"{"arm": "green"}"#)
        #expect(ctaWinner.status == 200)
        let before = first.engine.experiments.map(\.counts)
        await first.shutdown()

        let second = try await ProxyRuntime.start(config: config, logger: logger)
        defer { Task { await second.shutdown() } }
        #expect(second.engine.experiments.map(\.counts) == before)
        #expect(second.engine.experiment(named: "cta")?.state.status == .decided)
        let again = Visitor(ProxyHarness(upstream: upstream, runtime: second), cookie: visitor.cookie)
        let response = try await again.get("/")
        #expect(again.lastArm() == arm, "the cookie signed before the restart still verifies")
        #expect(response.header("set-cookie") == nil, "nothing new to remember")
        try await again.get("/contact/")
        #expect(second.engine.experiment(named: "headline")!.counts.reduce(0) { $0 + $1.conversions } == 1)
    }
}

@Suite struct ShutdownTests {
    @Test func shutdownLetsInFlightRequestsFinishAndStopsAccepting() async throws {
        let harness = try await ProxyHarness.start { request in
            request.path == "/slow" ? .init(body: "done", delay: .milliseconds(600)) : .init()
        }
        defer { Task { try await harness.upstream.stop() } }
        let port = harness.port
        let inFlight = Task { try await harness.get("/slow") }
        while harness.upstream.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        await harness.runtime.shutdown()
        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(response.body == "done")
        await #expect(throws: (any Error).self) {
            _ = try await SimpleHTTPClient.request(host: "127.0.0.1", port: port, path: "/")
        }
    }
}

@Suite struct StorageFailureTests {
    @Test func aFailingStoreIsReportedOnHealthWhileProxyingGoesOnAndNothingIsLost() async throws {
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        let store = FailingStore()
        var config = ProxyHarness.config(upstreamPort: upstream.port)
        config.flushIntervalMs = 20
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runtime = try await ProxyRuntime.start(config: config, store: store, logger: logger)
        defer { Task { await runtime.shutdown() } }
        let harness = ProxyHarness(upstream: upstream, runtime: runtime)

        store.failing.withLock { $0 = true }
        for _ in 0..<5 { #expect(try await Visitor(harness).get("/").status == 200) }
        #expect(try await eventually { try await harness.get("/__bandits/health").status == 503 })
        let degraded = try await harness.get("/__bandits/health")
        #expect(degraded.status == 503)
        #expect(degraded.body.contains("disk is full"))

        store.failing.withLock { $0 = false }
        // Retries back off while the store fails (twice the wait each time), so give it time.
        for _ in 0..<500 where try await harness.get("/__bandits/health").status != 200 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await harness.get("/__bandits/health").status == 200)
        let stored = try await store.load().experiments["headline"]?.arms.values.reduce(0) { $0 + $1.views }
        #expect(stored == 5, "counts kept in memory were written once the store recovered")
    }
}

/// A store whose writes fail on demand, like a full or read-only disk.
final class FailingStore: StateStore {
    let failing = Mutex(false)
    private let inner = MemoryStore()

    func load() async throws -> StoredState { try await inner.load() }
    func write(_ batch: StoreBatch) async throws {
        if failing.withLock({ $0 }) { throw StoreError("disk is full") }
        try await inner.write(batch)
    }
    func series(experiment: String) async throws -> [SeriesPoint] { try await inner.series(experiment: experiment) }
    func history(experiment: String) async throws -> [ArchivedVersion] {
        try await inner.history(experiment: experiment)
    }
    func sessionSecret(storingIfAbsent candidate: String) async throws -> String {
        try await inner.sessionSecret(storingIfAbsent: candidate)
    }
    func close() async {}
}
