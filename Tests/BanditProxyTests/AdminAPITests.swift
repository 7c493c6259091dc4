import BanditCore
import BanditStore
import Foundation
import Logging
import Testing

@testable import BanditProxy

@Suite struct AdminAPITests {
    static let token = "s3cret-token"
    static let bearer = ("Authorization", "Bearer \(token)")

    func start() async throws -> ProxyHarness {
        try await ProxyHarness.start(configure: { $0.adminToken = AdminAPITests.token })
    }

    func json(_ response: SimpleHTTPClient.Response) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
    }

    @Test func healthNeedsNoToken() async throws {
        try await withProxy(await start()) { harness in
            let response = try await harness.get("/__bandits/health")
            #expect(response.status == 200)
            #expect(try json(response)["status"] as? String == "ok")
        }
    }

    @Test func everyOtherRouteNeedsTheToken() async throws {
        try await withProxy(await start()) { harness in
            for path in ["/__bandits", "/__bandits/api/experiments", "/__bandits/api/experiments/headline"] {
                let anonymous = try await harness.get(path)
                #expect(anonymous.status == 401, "\(path)")
                #expect(anonymous.header("www-authenticate")?.hasPrefix("Basic") == true)
                let wrong = try await harness.get(path, headers: [("Authorization", "Bearer nope")])
                #expect(wrong.status == 401)
                let good = try await harness.get(path, headers: [Self.bearer])
                #expect(good.status == 200, "\(path)")
            }
            let basic = "Basic " + Data("admin:\(Self.token)".utf8).base64EncodedString()
            #expect(try await harness.get("/__bandits", headers: [("Authorization", basic)]).status == 200)
            let badBasic = "Basic " + Data("admin:wrong".utf8).base64EncodedString()
            #expect(try await harness.get("/__bandits", headers: [("Authorization", badBasic)]).status == 401)
            #expect(harness.upstream.requests.isEmpty, "admin routes never reach the upstream")
        }
    }

    @Test func withoutATokenLoopbackClientsMayUseTheAPI() async throws {
        try await withProxy(await ProxyHarness.start()) { harness async throws in
            #expect(try await harness.get("/__bandits/api/experiments").status == 200)
        }
    }

    @Test func withoutATokenOtherHostsAreRefused() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let router = AdminRouter(engine: harness.runtime.engine, keeper: harness.runtime.keeper, adminToken: nil)
            let remote = AdminRequest(
                method: "GET", uri: "/__bandits/api/experiments", headers: [], body: [], clientIsLoopback: false)
            #expect(await router.handle(remote).status == 403)
            var health = remote
            health.uri = "/__bandits/health"
            #expect(await router.handle(health).status == 200, "health stays open for load balancers")
        }
    }

    @Test func experimentsListReportsCountsRatesIntervalsAndShares() async throws {
        try await withProxy(await start()) { harness in
            for index in 0..<10 {
                let visitor = Visitor(harness)
                try await visitor.get("/")
                if index < 4 { try await visitor.get("/contact/") }
            }
            let body = try json(try await harness.get("/__bandits/api/experiments", headers: [Self.bearer]))
            let experiments = try #require(body["experiments"] as? [[String: Any]])
            #expect(experiments.map { $0["name"] as? String } == ["headline", "cta"])
            let headline = experiments[0]
            #expect(headline["algorithm"] as? String == "thompson")
            #expect(headline["source"] as? String == "/")
            #expect(headline["target"] as? String == "/contact")
            #expect(headline["status"] as? String == "running")
            #expect(headline["winner"] is NSNull)
            let arms = try #require(headline["arms"] as? [[String: Any]])
            #expect(arms.map { $0["name"] as? String } == ["control", "bold"])
            #expect(arms.compactMap { $0["views"] as? Int }.reduce(0, +) == 10)
            #expect(arms.compactMap { $0["conversions"] as? Int }.reduce(0, +) == 4)
            let shares = arms.compactMap { $0["trafficShare"] as? Double }
            #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
            let best = arms.compactMap { $0["probabilityBest"] as? Double }
            #expect(abs(best.reduce(0, +) - 1) < 1e-6)
            for arm in arms {
                let interval = try #require(arm["interval"] as? [Double])
                let rate = try #require(arm["conversionRate"] as? Double)
                #expect(interval.count == 2 && interval[0] <= rate && rate <= interval[1])
            }
        }
    }

    @Test func pauseServesTheFirstArmAndCountsNothingResumeRestores() async throws {
        try await withProxy(await start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/?bandit_force_headline=bold")
            try await visitor.get("/?bandit_force_headline=")  // unforce: an ordinary session again
            let arm = try #require(visitor.lastArm())
            let paused = try await harness.get(
                "/__bandits/api/experiments/headline/pause", headers: [Self.bearer], method: "POST")
            #expect(paused.status == 200)
            #expect(try json(paused)["status"] as? String == "paused")
            let viewsBefore = harness.totalViews("headline")
            let newcomer = Visitor(harness)
            try await newcomer.get("/")
            #expect(newcomer.lastArm() == "control")
            try await visitor.get("/")
            #expect(visitor.lastArm() == "control")
            #expect(harness.totalViews("headline") == viewsBefore)
            let resumed = try await harness.get(
                "/__bandits/api/experiments/headline/resume", headers: [Self.bearer], method: "POST")
            #expect(try json(resumed)["status"] as? String == "running")
            try await visitor.get("/")
            #expect(visitor.lastArm() == arm, "the assignment survived the pause")
        }
    }

    @Test func declaringAWinnerServesItToEveryone() async throws {
        try await withProxy(await start()) { harness in
            let old = Visitor(harness)
            try await old.get("/?bandit_force_headline=control")
            let response = try await harness.get(
                "/__bandits/api/experiments/headline/winner",
                headers: [Self.bearer, ("Content-Type", "application/json")],
                method: "POST", body: #"{"arm": "bold"}"#)
            #expect(response.status == 200)
            let body = try json(response)
            #expect(body["status"] as? String == "decided")
            #expect(body["winner"] as? String == "bold")
            for _ in 0..<5 {
                let visitor = Visitor(harness)
                try await visitor.get("/")
                #expect(visitor.lastArm() == "bold")
            }
            #expect(harness.counts("headline")[1].views == 5, "counting goes on under the winner")
        }
    }

    @Test func winnerRequestsAreValidated() async throws {
        try await withProxy(await start()) { harness in
            let path = "/__bandits/api/experiments/headline/winner"
            #expect(try await harness.get(path, headers: [Self.bearer], method: "POST", body: "not json").status == 400)
            let unknownArm = try await harness.get(
                path, headers: [Self.bearer], method: "POST", body: #"{"arm": "purple"}"#)
            #expect(unknownArm.status == 422)
            #expect(unknownArm.body.contains("purple"))
            let unknownExperiment = try await harness.get(
                "/__bandits/api/experiments/nope/pause", headers: [Self.bearer], method: "POST")
            #expect(unknownExperiment.status == 404)
            #expect(
                try await harness.get("/__bandits/api/experiments/headline/pause", headers: [Self.bearer]).status == 405
            )
            #expect(
                try await harness.get(
                    "/__bandits/api/experiments/headline/explode", headers: [Self.bearer], method: "POST"
                )
                .status == 404)
        }
    }

    @Test func resetZeroesCountsAndReassignsEveryone() async throws {
        try await withProxy(await start()) { harness in
            let visitor = Visitor(harness)
            try await visitor.get("/")
            try await visitor.get("/contact/")
            #expect(harness.totalViews("headline") == 1)
            let reset = try await harness.get(
                "/__bandits/api/experiments/headline/reset", headers: [Self.bearer], method: "POST")
            #expect(reset.status == 200)
            #expect(harness.totalViews("headline") == 0)
            #expect(harness.totalConversions("headline") == 0)
            let again = try await visitor.get("/")
            #expect(again.header("set-cookie") != nil, "the old assignment is void: a new one is made")
            #expect(harness.totalViews("headline") == 1)
        }
    }

    @Test func resetVersionsStayReadableInTheHistory() async throws {
        try await withProxy(await start()) { harness in
            for _ in 0..<3 { try await Visitor(harness).get("/") }
            _ = try await harness.get(
                "/__bandits/api/experiments/headline/reset", headers: [Self.bearer], method: "POST")
            let response = try await harness.get("/__bandits/api/experiments/headline/history", headers: [Self.bearer])
            #expect(response.status == 200)
            let body = try json(response)
            let versions = try #require(body["versions"] as? [[String: Any]])
            #expect(versions.count == 1)
            #expect(versions.first?["reason"] as? String == "reset")
            let arms = try #require(versions.first?["arms"] as? [[String: Any]])
            let views = arms.compactMap { ($0["counts"] as? [String: Any])?["views"] as? Int }.reduce(0, +)
            #expect(views == 3)
        }
    }

    @Test func dashboardListsEveryExperimentAndArm() async throws {
        try await withProxy(await start()) { harness in
            let page = try await harness.get("/__bandits", headers: [Self.bearer])
            #expect(page.header("content-type")?.hasPrefix("text/html") == true)
            for text in ["headline", "control", "bold", "cta", "plain", "green", "red"] {
                #expect(page.body.contains(text))
            }
        }
    }
}

@Suite struct WarningsTests {
    @Test func aLopsidedUniformSplitIsWarnedAbout() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.experiments[0].algorithm = .uniform })) {
            harness in
            let experiment = try #require(harness.runtime.engine.experiment(named: "headline"))
            experiment.add(arm: 0, assignments: 5300, views: 5300)
            experiment.add(arm: 1, assignments: 4700, views: 4700)
            let response = try await harness.get("/__bandits/api/experiments/headline")
            #expect(response.body.contains("sample ratio mismatch"), "\(response.body)")
            experiment.add(arm: 1, assignments: 600, views: 600)  // back in balance
            #expect(try await !harness.get("/__bandits/api/experiments/headline").body.contains("sample ratio"))
        }
    }

    @Test func aDriftingArmIsWarnedAboutInTheAPI() async throws {
        let store = MemoryStore()
        for (hour, conversions) in [(480_000, 40), (480_001, 40), (480_002, 90), (480_003, 90)] {
            var batch = StoreBatch()
            batch.hour = hour
            batch.increments = [
                .init(
                    experiment: "headline", arm: "bold",
                    delta: ArmCounts(assignments: 500, views: 500, conversions: conversions))
            ]
            try await store.write(batch)
        }
        let upstream = try await RecordingUpstream.start()
        defer { Task { try await upstream.stop() } }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runtime = try await ProxyRuntime.start(
            config: ProxyHarness.config(upstreamPort: upstream.port), store: store, logger: logger)
        defer { Task { await runtime.shutdown() } }
        let harness = ProxyHarness(upstream: upstream, runtime: runtime)
        let response = try await harness.get("/__bandits/api/experiments/headline")
        let body = try #require(JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let warnings = try #require(body["warnings"] as? [String])
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("bold drifted") == true, "\(warnings)")
        let page = try await harness.get("/__bandits")
        #expect(page.body.contains("bold drifted"))
    }
}
