import BanditCore
import Foundation
import Logging
import Testing

@testable import BanditProxy

/// Reloading the configuration in place (what SIGHUP does): nothing refused, nothing lost.
@Suite struct ReloadTests {
    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static let footer = ExperimentConfig(
        name: "footer", source: PathPattern("/about/"), target: PathPattern("/contact/"), arms: ["a", "b"],
        algorithm: .uniform, injection: .header("X-Bandit-Footer"))

    @Test func aNewExperimentStartsAndTheOthersKeepTheirCountsAndSessions() async throws {
        let harness = try await ProxyHarness.start()
        let visitors = (0..<6).map { _ in Visitor(harness) }
        var arms: [String?] = []
        for visitor in visitors {
            try await visitor.get("/")
            arms.append(visitor.lastArm())
        }
        #expect(harness.totalViews("headline") == 6)

        var config = harness.runtime.config
        config.experiments.append(Self.footer)
        let reloaded = try await harness.runtime.reload(config)

        let views = reloaded.engine.experiment(named: "headline")!.counts.reduce(0) { $0 + $1.views }
        #expect(views == 6, "counts carried over")
        for (visitor, arm) in zip(visitors, arms) {
            try await visitor.get("/")
            #expect(visitor.lastArm() == arm, "sessions keep their arms")
        }
        try await visitors[0].get("/about/")
        #expect(["a", "b"].contains(harness.upstream.requests.last?.header("X-Bandit-Footer") ?? ""))
        #expect(reloaded.engine.experiment(named: "footer")!.counts.reduce(0) { $0 + $1.views } == 1)
        await reloaded.shutdown()
        try await harness.upstream.stop()
    }

    @Test func aKeptAliveConnectionTakesUpTheNewUpstreamAtItsNextRequest() async throws {
        let harness = try await ProxyHarness.start(responder: { _ in .init(body: "first") })
        let second = try await RecordingUpstream.start(responder: { _ in .init(body: "second") })
        var reloaded: ProxyRuntime?
        try await KeepAliveConnection.open(port: harness.port) { connection in
            #expect(try await connection.get("/a").hasSuffix("first"))
            var config = harness.runtime.config
            config.upstream = UpstreamURL(host: "127.0.0.1", port: second.port)
            reloaded = try await harness.runtime.reload(config)
            #expect(try await connection.get("/b").hasSuffix("second"), "the same connection, the new upstream")
        }
        #expect(second.requests.map(\.uri) == ["/b"])
        await reloaded?.shutdown()
        try await harness.upstream.stop()
        try await second.stop()
    }

    @Test func aRequestInFlightDuringTheReloadIsCountedOnceByTheNewEngine() async throws {
        let harness = try await ProxyHarness.start(responder: { request in
            request.path == "/" ? .init(delay: .milliseconds(600)) : .init()
        })
        let slow = Task { try await harness.get("/") }
        let arrived = try await eventually { harness.upstream.requests.contains { $0.path == "/" } }
        #expect(arrived, "the request is at the upstream now")
        let reloaded = try await harness.runtime.reload(harness.runtime.config)
        #expect(try await slow.value.status == 200)

        let headline = reloaded.engine.experiment(named: "headline")!
        #expect(try await eventually { headline.counts.reduce(0) { $0 + $1.views } > 0 })
        await reloaded.retiring?.value  // the previous engine has handed over its last counts
        _ = await reloaded.keeper.flush()
        #expect(headline.counts.reduce(0) { $0 + $1.views } == 1)
        await reloaded.shutdown()
        try await harness.upstream.stop()
    }

    @Test func aReloadThatCannotStartLeavesThePreviousConfigurationServing() async throws {
        let harness = try await ProxyHarness.start()
        try await Visitor(harness).get("/")
        var config = harness.runtime.config
        config.storage = .sqlite(path: "/nonexistent-directory/state.sqlite")
        config.experiments.append(Self.footer)
        await #expect(throws: (any Error).self) { try await harness.runtime.reload(config) }

        let response = try await Visitor(harness).get("/about/")
        #expect(response.status == 200)
        #expect(harness.upstream.requests.last?.header("X-Bandit-Footer") == nil, "still the old configuration")
        try await Visitor(harness).get("/")
        #expect(harness.totalViews("headline") == 2, "and it still counts")
        try await harness.stop()
    }
}
