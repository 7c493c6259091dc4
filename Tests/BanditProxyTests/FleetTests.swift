import BanditCore
import BanditStore
import Foundation
import Logging
import PostgresTestSupport
import Testing

@testable import BanditProxy

/// Two proxy instances sharing one PostgreSQL database, in process, on real sockets: sessions
/// move between them, decisions travel, and an outage of the database costs nothing.
@Suite(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipReason)))
struct FleetTests {
    /// Two instances in front of one upstream; the session secret is not configured, so the
    /// instances must agree on the one stored in the database.
    struct Fleet {
        let upstream: RecordingUpstream
        let a: ProxyHarness
        let b: ProxyHarness

        static func start(url: String, flushIntervalMs: Int) async throws -> Fleet {
            let upstream = try await RecordingUpstream.start()
            var config = ProxyHarness.config(upstreamPort: upstream.port)
            config.storage = .postgres(url: url)
            config.session.secret = nil
            config.flushIntervalMs = flushIntervalMs
            config.experiments[0].segments = [.device]
            let fleetConfig = config
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            // Both start at once against an empty database.
            async let first = ProxyRuntime.start(config: fleetConfig, logger: logger)
            async let second = ProxyRuntime.start(config: fleetConfig, logger: logger)
            let (a, b) = try await (first, second)
            return Fleet(
                upstream: upstream, a: ProxyHarness(upstream: upstream, runtime: a),
                b: ProxyHarness(upstream: upstream, runtime: b))
        }

        func stop() async throws {
            await a.runtime.shutdown()
            await b.runtime.shutdown()
            try await upstream.stop()
        }
    }

    /// Polls `condition` every 10 ms until it holds or `limit` passes; returns how long it took.
    @discardableResult
    static func waitUntil(within limit: Duration, _ condition: () async throws -> Bool) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if try await condition() { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// The arms' counts as the instance's JSON API reports them.
    static func apiCounts(_ harness: ProxyHarness, _ experiment: String) async throws -> [ArmCounts] {
        let response = try await harness.get("/__bandits/api/experiments/\(experiment)")
        let body = try #require(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let arms = try #require(body["arms"] as? [[String: Any]])
        return arms.map {
            ArmCounts(
                assignments: $0["assignments"] as? Int ?? -1, views: $0["views"] as? Int ?? -1,
                conversions: $0["conversions"] as? Int ?? -1, confirmedViews: $0["confirmedViews"] as? Int ?? -1)
        }
    }

    @Test func sessionsMovingBetweenInstancesAreCountedExactlyOnceOnBoth() async throws {
        try await TestPostgres.withDatabase { url in
            let fleet = try await Fleet.start(url: url, flushIntervalMs: 50)
            let arms = ["control", "bold"]
            var truth = [ArmCounts(), ArmCounts()]
            var truthByDevice: [String: [SegmentTally]] = [:]
            for number in 0..<40 {
                // The view on one instance, a second look and the conversion on the other.
                let (first, other) = number.isMultiple(of: 2) ? (fleet.a, fleet.b) : (fleet.b, fleet.a)
                let visitor = Visitor(first)
                let mobile = number % 4 < 2
                if mobile { visitor.userAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148" }
                #expect(try await visitor.get("/").status == 200)
                let arm = try #require(visitor.lastArm().flatMap { arms.firstIndex(of: $0) })
                truthByDevice[mobile ? "mobile" : "desktop", default: [SegmentTally(), SegmentTally()]][arm].views += 1
                truth[arm].assignments += 1
                truth[arm].views += 1
                let moved = Visitor(other, cookie: visitor.cookie)
                try await moved.get("/")
                #expect(moved.lastArm() == arms[arm], "the other instance verifies the cookie and keeps the arm")
                truth[arm].confirmedViews += 1  // the cookie came back: the view was a visitor's
                if number % 3 != 1 {
                    try await moved.get("/contact/")
                    truth[arm].conversions += 1
                    truthByDevice[mobile ? "mobile" : "desktop"]![arm].conversions += 1
                }
            }
            // Segment counts as each instance reports them: the whole fleet's, by device.
            func byDevice(_ harness: ProxyHarness) -> [String: [SegmentTally]] {
                var result: [String: [SegmentTally]] = [:]
                for (cell, tally) in harness.runtime.engine.experiments[0].segmentCounts?.totals ?? [:] {
                    result[cell.value, default: [SegmentTally(), SegmentTally()]][cell.arm] += tally
                }
                return result
            }
            let converged = try await Self.waitUntil(within: .seconds(10)) {
                fleet.a.counts("headline") == truth && fleet.b.counts("headline") == truth
                    && byDevice(fleet.a) == truthByDevice && byDevice(fleet.b) == truthByDevice
            }
            #expect(
                converged != nil, "A \(fleet.a.counts("headline")), B \(fleet.b.counts("headline")), truth \(truth)")
            #expect(try await Self.apiCounts(fleet.a, "headline") == truth)
            #expect(try await Self.apiCounts(fleet.b, "headline") == truth)
            try await fleet.stop()
            let store = try await PostgresStore.open(url: url)
            let stored = try await store.load().experiments["headline"]
            await store.close()
            #expect(arms.map { stored?.arms[$0] ?? ArmCounts() } == truth, "and the database holds exactly the truth")
            for (device, tallies) in truthByDevice {
                for (arm, name) in arms.enumerated() {
                    #expect(
                        stored?.segments[SegmentKey(segment: "device", value: device, arm: name)] ?? SegmentTally()
                            == tallies[arm], "\(device), \(name): the segments too")
                }
            }
        }
    }

    @Test func aPauseOrWinnerOnOneInstanceReachesTheOther() async throws {
        try await TestPostgres.withDatabase { url in
            let fleet = try await Fleet.start(url: url, flushIntervalMs: 200)
            // The design bound is one flush interval plus a read; a busy machine can stretch
            // any wall-clock bound, so the test waits for the change rather than timing it.

            #expect(try await fleet.a.get("/__bandits/api/experiments/headline/pause", method: "POST").status == 200)
            let paused = try await Self.waitUntil(within: .seconds(30)) {
                fleet.b.runtime.engine.experiment(named: "headline")?.state.status == .paused
            }
            #expect(paused != nil, "B never saw the pause")
            let visitor = Visitor(fleet.b)
            try await visitor.get("/")
            #expect(visitor.lastArm() == "control", "a paused experiment serves the first arm on B too")

            let winner = try await fleet.b.get(
                "/__bandits/api/experiments/headline/winner", method: "POST", body: #"{"arm": "bold"}"#)
            #expect(winner.status == 200)
            let decided = try await Self.waitUntil(within: .seconds(30)) {
                fleet.a.runtime.engine.experiment(named: "headline")?.state == .init(status: .decided, winner: 1)
            }
            #expect(decided != nil, "A never saw the winner")
            let onA = Visitor(fleet.a)
            try await onA.get("/")
            #expect(onA.lastArm() == "bold")
            try await fleet.stop()
        }
    }

    @Test func aResetOnOneInstanceStartsTheExperimentOverOnBoth() async throws {
        try await TestPostgres.withDatabase { url in
            let fleet = try await Fleet.start(url: url, flushIntervalMs: 50)
            let before = Visitor(fleet.a)
            try await before.get("/")
            for _ in 0..<5 { try await Visitor(fleet.b).get("/") }
            #expect(try await fleet.a.get("/__bandits/api/experiments/headline/reset", method: "POST").status == 200)
            let restarted = try await Self.waitUntil(within: .seconds(30)) {
                fleet.b.runtime.engine.experiment(named: "headline")?.state.generation == 1
                    && fleet.b.totalViews("headline") == 0
            }
            #expect(restarted != nil, "B: \(fleet.b.counts("headline"))")
            // The old cookie names an arm of the ended version: B assigns afresh and counts it once.
            let again = Visitor(fleet.b, cookie: before.cookie)
            try await again.get("/")
            let counted = try await Self.waitUntil(within: .seconds(30)) {
                fleet.a.totalViews("headline") == 1 && fleet.b.totalViews("headline") == 1
            }
            #expect(counted != nil, "A \(fleet.a.counts("headline")), B \(fleet.b.counts("headline"))")
            #expect(try await fleet.b.runtime.keeper.history(fleet.b.runtime.engine.experiments[0]).count == 1)
            try await fleet.stop()
        }
    }

    @Test func anOutageIsReportedOnHealthWhileProxyingGoesOnAndNothingIsLostOrDoubled() async throws {
        try await TestPostgres.withDatabase { url in
            guard case .success(let target) = PostgresURL.parse(url) else { throw CancellationError() }
            let relay = try await TCPRelay.start(to: target.port)
            let relayed = url.replacingOccurrences(of: ":\(target.port)/", with: ":\(relay.port)/")
            let upstream = try await RecordingUpstream.start()
            var config = ProxyHarness.config(upstreamPort: upstream.port)
            config.storage = .postgres(url: relayed)
            config.flushIntervalMs = 50
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            // A short wait for a connection, so the outage shows on health within seconds.
            let store = try await PostgresStore.open(url: relayed, logger: logger, connectionWait: .seconds(2))
            let runtime = try await ProxyRuntime.start(config: config, store: store, logger: logger)
            let harness = ProxyHarness(upstream: upstream, runtime: runtime)

            for _ in 0..<3 { #expect(try await Visitor(harness).get("/").status == 200) }
            relay.cut()
            for _ in 0..<5 { #expect(try await Visitor(harness).get("/").status == 200, "proxying goes on") }
            let degraded = try await Self.waitUntil(within: .seconds(15)) {
                try await harness.get("/__bandits/health").status == 503
            }
            #expect(degraded != nil)
            let health = try await harness.get("/__bandits/health")
            #expect(health.body.contains("127.0.0.1:\(relay.port)"), "health names the database: \(health.body)")
            for _ in 0..<2 { #expect(try await Visitor(harness).get("/").status == 200) }

            relay.restore()
            // The retry delay has doubled meanwhile; it is at most 30 s.
            let recovered = try await Self.waitUntil(within: .seconds(40)) {
                try await harness.get("/__bandits/health").status == 200
            }
            #expect(recovered != nil)
            // Health is back after the first write that succeeds, whose batch may have been
            // taken before the last views; one more flush writes whatever is still pending.
            #expect(await runtime.keeper.flush())
            let direct = try await PostgresStore.open(url: url)
            let stored = try await direct.load().experiments["headline"]?.arms.values.reduce(0) { $0 + $1.views }
            await direct.close()
            #expect(stored == 10, "every view counted during the outage is stored, once")
            #expect(harness.totalViews("headline") == 10)
            await runtime.shutdown()
            try await upstream.stop()
            try await relay.stop()
        }
    }
}

/// Needs no database: the real binary against a port nothing listens on.
@Suite struct PostgresStartupTests {
    @Test func theBinaryRefusesToStartWithoutItsDatabaseAndSaysWhere() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Port 1: nothing listens there, and unlike a free port found and released, no other
        // test's server can take it meanwhile.
        let port = 1
        let path = directory.appendingPathComponent("proxy.json").path
        try """
        {"upstream": "http://127.0.0.1:8000", "storage": "postgres://bandit:hunter2@127.0.0.1:\(port)/bandits",
         "experiments": [{"name": "headline", "source": "/", "target": "/contact/"}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let outcome = try CommandLineTests.run(["--config", path])
        #expect(outcome.status == 1, "\(outcome.output)")
        #expect(outcome.output.contains("cannot connect to PostgreSQL at 127.0.0.1:\(port)"), "\(outcome.output)")
        #expect(!outcome.output.contains("hunter2"))
    }
}
