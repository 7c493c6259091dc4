import BanditCore
import Foundation
import Testing

@testable import BanditProxy

/// Coverage, goals, the conversion beacon, attribution windows, recorded forces and cache
/// safety, end to end through a live proxy and a recording upstream.
@Suite struct ExperimentRulesTests {
    static func start(
        responder: @escaping RecordingUpstream.Responder = { _ in .init() },
        experiment customise: @escaping (inout ExperimentConfig) -> Void = { _ in },
        configure: @escaping (inout ProxyConfig) -> Void = { _ in }
    ) async throws -> ProxyHarness {
        try await ProxyHarness.start(responder: responder) { config in
            customise(&config.experiments[0])
            configure(&config)
        }
    }

    @Test func heldOutVisitorsSeeTheControlAndNeverCount() async throws {
        let harness = try await Self.start(experiment: { $0.coverage = 0.5 })
        for _ in 0..<200 {
            let visitor = Visitor(harness)
            try await visitor.get("/")
            let arm = visitor.lastArm()
            try await visitor.get("/")
            #expect(visitor.lastArm() == arm, "sticky")
            try await visitor.get("/contact/")
        }
        let counts = harness.counts("headline")
        let entered = counts.reduce(0) { $0 + $1.assignments }
        let heldOut = 200 - entered
        #expect(entered > 60 && entered < 140, "\(entered) of 200 entered at coverage 0.5")
        #expect(counts.reduce(0) { $0 + $1.views } == entered)
        #expect(counts.reduce(0) { $0 + $1.conversions } == entered, "no held-out conversion leaks into control")
        let controlHeaders = harness.upstream.requests.filter { $0.path == "/" }.compactMap {
            $0.header("X-Bandit-Headline")
        }
        #expect(controlHeaders.filter { $0 == "control" }.count >= 2 * heldOut, "held-out sessions get the control")
        try await harness.stop()
    }

    @Test func aSubmittedFormConvertsAndAVisitOfItDoesNot() async throws {
        let harness = try await Self.start(
            responder: { request in
                request.method == "POST" ? .init(status: request.path.hasPrefix("/signup") ? 201 : 302) : .init()
            }, experiment: { $0.goals = [Goal(path: PathPattern("/signup/"), method: "POST", statuses: 200...299)] })
        let visitor = Visitor(harness)
        try await visitor.get("/")
        try await visitor.get("/signup/")
        #expect(harness.totalConversions("headline") == 0, "visiting the form is not converting")
        var headers: [(String, String)] = [("Content-Type", "application/x-www-form-urlencoded")]
        headers.append(("Cookie", visitor.cookie!))
        let created = try await harness.get("/signup/", headers: headers, method: "POST", body: "email=a%40b.c")
        #expect(created.status == 201)
        #expect(harness.totalConversions("headline") == 1)
        try await harness.stop()
    }

    @Test func theBeaconConvertsTheVisitorsOwnSessionOnce() async throws {
        let harness = try await Self.start()
        let visitor = Visitor(harness)
        try await visitor.get("/")
        let path = "/__bandits/convert?experiment=headline"
        let sameOrigin = [("Cookie", visitor.cookie!), ("Origin", "http://127.0.0.1:\(harness.port)")]

        let counted = try await harness.get(path, headers: sameOrigin, method: "POST")
        #expect(counted.status == 200)
        #expect(counted.body.contains(#""counted" : true"#), "\(counted.body)")
        #expect(counted.header("set-cookie")?.hasPrefix("bandit_session=") == true)
        #expect(harness.totalConversions("headline") == 1)

        let converted = [("Cookie", String(counted.header("set-cookie")!.split(separator: ";")[0]))]
        let again = try await harness.get(path, headers: converted, method: "POST")
        #expect(again.body.contains("already converted"), "\(again.body)")
        #expect(harness.totalConversions("headline") == 1)

        let crossSite = try await harness.get(
            path, headers: [("Cookie", visitor.cookie!), ("Origin", "https://evil.example")], method: "POST")
        #expect(crossSite.status == 403)
        #expect(try await harness.get(path, headers: sameOrigin).status == 405)
        #expect(try await harness.get("/__bandits/convert?experiment=nope", method: "POST").status == 404)
        #expect(try await harness.get("/__bandits/convert", method: "POST").status == 400)
        try await harness.stop()
    }

    @Test func aConversionAfterTheAttributionWindowIsNotCounted() async throws {
        let harness = try await Self.start(experiment: { $0.attributionWindowSeconds = 3600 })
        let codec = SessionCodec(secret: "test-secret-0123456789")
        let minute = Int(Date().timeIntervalSince1970) / 60
        func session(viewedMinutesAgo: Int) -> String {
            let entry = SessionState.Entry(
                experiment: "headline", generation: 0, arm: 1, viewed: true, viewedAtMinute: minute - viewedMinutesAgo)
            return "bandit_session=" + codec.encode(SessionState(id: "visitor", entries: [entry]))
        }
        _ = try await harness.get("/contact/", headers: [("Cookie", session(viewedMinutesAgo: 120))])
        #expect(harness.totalConversions("headline") == 0, "viewed two hours ago, window one hour")
        _ = try await harness.get("/contact/", headers: [("Cookie", session(viewedMinutesAgo: 10))])
        #expect(harness.totalConversions("headline") == 1)
        try await harness.stop()
    }

    @Test func aRecordedForceCountsForStagedQA() async throws {
        let harness = try await Self.start()
        let visitor = Visitor(harness)
        try await visitor.get("/?bandit_force_headline=bold&bandit_record=1")
        #expect(visitor.lastArm() == "bold")
        #expect(harness.upstream.requests.last?.uri == "/", "the switches stay with the proxy")
        try await visitor.get("/contact/")
        #expect(
            harness.counts("headline")[1] == ArmCounts(assignments: 1, views: 1, conversions: 1, confirmedViews: 1))
        try await harness.stop()
    }

    @Test func theAPIShowsTheAllocationNowAndTheCorrectedRate() async throws {
        // The corrected rate is shown where it is sound: with a floor on every arm.
        let harness = try await Self.start(experiment: { $0.minShares = [0.1, 0.1] })
        for index in 0..<12 {
            let visitor = Visitor(harness)
            try await visitor.get("/")
            if index % 3 == 0 { try await visitor.get("/contact/") }
        }
        _ = await harness.runtime.keeper.flush()  // the series is stored
        let response = try await harness.get("/__bandits/api/experiments/headline")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let arms = try #require(body["arms"] as? [[String: Any]])
        let allocation = arms.compactMap { $0["allocation"] as? Double }
        #expect(allocation.count == 2 && abs(allocation.reduce(0, +) - 1) < 1e-6, "\(arms)")
        let corrected = arms.compactMap { $0["correctedRate"] as? Double }
        let raw = arms.compactMap { $0["conversionRate"] as? Double }
        #expect(corrected.count == arms.filter { ($0["views"] as? Int ?? 0) > 0 }.count, "\(arms)")
        // Within one hour the stratified rate is the raw rate.
        for (index, rate) in corrected.enumerated() { #expect(abs(rate - raw[index]) < 1e-9) }
        try await harness.stop()
    }

    @Test func withoutAFloorNoCorrectedRateIsClaimed() async throws {
        let harness = try await Self.start()  // Thompson sampling, no minShare
        for index in 0..<6 {
            let visitor = Visitor(harness)
            try await visitor.get("/")
            if index % 2 == 0 { try await visitor.get("/contact/") }
        }
        _ = await harness.runtime.keeper.flush()  // the series is stored
        let response = try await harness.get("/__bandits/api/experiments/headline")
        #expect(response.body.contains("\"allocation\""))
        #expect(!response.body.contains("correctedRate"), "a starved arm's stratified rate is biased")
        try await harness.stop()
    }

    @Test func cookielessCrawlersPileUpAsUnconfirmedViewsOnly() async throws {
        let harness = try await Self.start()
        for _ in 0..<30 { _ = try await harness.get("/", headers: [("User-Agent", "SomeFetcher/1.0")]) }
        let browser = Visitor(harness)
        try await browser.get("/")
        try await browser.get("/favicon.ico")
        let response = try await harness.get("/__bandits/api/experiments/headline")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let arms = try #require(body["arms"] as? [[String: Any]])
        #expect(arms.compactMap { $0["views"] as? Int }.reduce(0, +) == 31)
        #expect(arms.compactMap { $0["confirmedViews"] as? Int }.reduce(0, +) == 1)
        #expect(body["countViews"] as? String == "all")
        try await harness.stop()
    }

    @Test func cacheSafetyCanBeLeftToAnArmKeyedCDN() async throws {
        let harness = try await Self.start(configure: { $0.cacheSafety = false })
        let response = try await Visitor(harness).get("/")
        #expect(response.header("vary") == nil)
        #expect(response.header("cache-control") == nil)
        try await harness.stop()
    }
}
