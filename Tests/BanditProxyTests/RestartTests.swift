import BanditCore
import Foundation
import Logging
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
