import Testing

@testable import BanditCore

/// Coverage, goals with methods and statuses, attribution windows, recorded forces and the
/// conversion beacon, on the engine with plain values and a seeded generator.
@Suite struct ExperimentRulesEngineTests {
    static let secret = "rules-secret-0123456789"
    var rng = SplitMix64(seed: 11)

    static func engine(_ customise: (inout ExperimentConfig) -> Void) -> ExperimentEngine {
        var experiment = ExperimentConfig(
            name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"],
            algorithm: .uniform)
        customise(&experiment)
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000), session: SessionSettings(secret: secret),
            experiments: [experiment])
        return ExperimentEngine(config: config, secret: secret)
    }

    /// The proxy gives the engine a request's `User-Agent` only when a rule reads it.
    @Test func theUserAgentIsReadOnlyForAUserAgentRule() {
        #expect(!Self.engine { _ in }.readsUserAgent)
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000), session: SessionSettings(secret: Self.secret),
            exclude: ExcludeRules(userAgents: "(?i)bot"),
            experiments: [
                ExperimentConfig(
                    name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"),
                    arms: ["control", "bold"])
            ])
        let engine = ExperimentEngine(config: config, secret: Self.secret)
        #expect(engine.readsUserAgent)
        var rng = SplitMix64(seed: 1)
        #expect(
            engine.decide(RequestFacts(uri: "/", cookieHeader: nil, userAgent: "Googlebot/2.1"), using: &rng).excluded)
    }

    /// One request, committed with `status`; returns the decision and the cookie to send next.
    mutating func visit(
        _ engine: ExperimentEngine, _ uri: String, method: String = "GET", cookie: String? = nil, status: Int = 200,
        now: Int? = nil
    ) -> (Decision, String?) {
        let facts = RequestFacts(method: method, uri: uri, cookieHeaders: cookie.map { [$0] } ?? [], now: now)
        let decision = engine.decide(facts, using: &rng)
        engine.commit(decision, status: status)
        return (decision, decision.cookie(forStatus: status).map { String($0.split(separator: ";")[0]) } ?? cookie)
    }

    static func total(_ engine: ExperimentEngine, _ keyPath: KeyPath<ArmCounts, Int>) -> Int {
        engine.experiments[0].counts.reduce(0) { $0 + $1[keyPath: keyPath] }
    }

    @Test mutating func coverageLetsInItsShareAndHoldoutsNeverCountOrLeakConversions() {
        let engine = Self.engine { $0.coverage = 0.3 }
        var heldOut = 0
        for _ in 0..<2_000 {
            let (first, cookie) = visit(engine, "/")
            if first.assignments.isEmpty {
                heldOut += 1
                #expect(first.headers.first?.value == "control", "held-out sessions see the control")
            }
            let (again, _) = visit(engine, "/", cookie: cookie)
            #expect(again.headers.first?.value == first.headers.first?.value, "sticky")
            _ = visit(engine, "/contact/", cookie: cookie)
        }
        let entered = 2_000 - heldOut
        #expect(abs(Double(entered) / 2_000 - 0.3) < 0.04, "\(entered) of 2000 entered")
        #expect(Self.total(engine, \.assignments) == entered)
        #expect(Self.total(engine, \.views) == entered)
        #expect(Self.total(engine, \.conversions) == entered, "only entered sessions convert (sixpack #166)")
    }

    @Test mutating func aGoalWithMethodAndStatusCountsOnlyTheSubmittedForm() {
        let engine = Self.engine {
            $0.goals = [Goal(path: PathPattern("/signup/"), method: "POST", statuses: 200...299)]
        }
        let (_, cookie) = visit(engine, "/")
        let (visited, afterVisit) = visit(engine, "/signup/", cookie: cookie)
        #expect(
            !visited.pendingCounts.contains { $0.kind == .conversion }, "a GET of the form page is not a conversion")
        let (_, afterRedirect) = visit(engine, "/signup/", method: "POST", cookie: afterVisit, status: 302)
        #expect(Self.total(engine, \.conversions) == 0, "a 302 is not in 2xx")
        let (_, afterCreated) = visit(engine, "/signup/", method: "POST", cookie: afterRedirect, status: 201)
        #expect(Self.total(engine, \.conversions) == 1, "the 302 did not mark the session as converted")
        _ = visit(engine, "/signup/", method: "POST", cookie: afterCreated, status: 201)
        #expect(Self.total(engine, \.conversions) == 1, "once per session")
    }

    @Test mutating func anyOfSeveralGoalsConverts() {
        let engine = Self.engine {
            $0.goals = [Goal(path: PathPattern("/contact/")), Goal(path: PathPattern("/buy/*"))]
        }
        let (_, first) = visit(engine, "/")
        _ = visit(engine, "/buy/shoes", cookie: first)
        let (_, second) = visit(engine, "/")
        _ = visit(engine, "/contact/", cookie: second)
        #expect(Self.total(engine, \.conversions) == 2)
    }

    @Test mutating func aConversionCountsOnlyWithinTheAttributionWindow() {
        let engine = Self.engine { $0.attributionWindowSeconds = 3600 }
        let start = 1_800_000_000
        let (_, early) = visit(engine, "/", now: start)
        _ = visit(engine, "/contact/", cookie: early, now: start + 3_000)
        #expect(Self.total(engine, \.conversions) == 1)
        let (_, late) = visit(engine, "/", now: start)
        let (lateDecision, _) = visit(engine, "/contact/", cookie: late, now: start + 2 * 3600)
        #expect(!lateDecision.pendingCounts.contains { $0.kind == .conversion })
        #expect(Self.total(engine, \.conversions) == 1)
    }

    @Test mutating func aForcedArmIsCountedOnlyWithRecord() {
        let engine = Self.engine { _ in }
        let (forced, cookie) = visit(engine, "/?bandit_force_headline=bold")
        #expect(forced.headers.first?.value == "bold")
        _ = visit(engine, "/contact/", cookie: cookie)
        #expect(Self.total(engine, \.views) == 0)

        let (recorded, recordedCookie) = visit(engine, "/?bandit_force_headline=bold&bandit_record=1")
        #expect(recorded.rewrittenURI == "/", "neither parameter reaches the upstream")
        _ = visit(engine, "/contact/", cookie: recordedCookie)
        #expect(
            engine.experiments[0].counts[1] == ArmCounts(assignments: 1, views: 1, conversions: 1, confirmedViews: 1))
    }

    @Test mutating func theBeaconCountsOnceAfterAViewUnderTheSameRules() {
        let engine = Self.engine { _ in }
        #expect(engine.convertByBeacon(experiment: "nope", RequestFacts(uri: "/")) == nil)
        guard case .notCounted = engine.convertByBeacon(experiment: "headline", RequestFacts(uri: "/")) else {
            Issue.record("a request without a session must not count")
            return
        }
        let (_, cookie) = visit(engine, "/")
        let facts = RequestFacts(method: "POST", uri: "/__bandits/convert", cookieHeaders: [cookie!])
        guard case .counted(let setCookie) = engine.convertByBeacon(experiment: "headline", facts) else {
            Issue.record("the viewed session's beacon must count")
            return
        }
        #expect(setCookie.hasPrefix("bandit_session="))
        let next = RequestFacts(method: "POST", uri: "/", cookieHeaders: [String(setCookie.split(separator: ";")[0])])
        #expect(
            engine.convertByBeacon(experiment: "headline", next) == .notCounted("this session has already converted"))
        #expect(Self.total(engine, \.conversions) == 1)
    }

    @Test mutating func aViewIsConfirmedWhenTheCookieComesBack() {
        let engine = Self.engine { _ in }
        let (first, cookie) = visit(engine, "/")
        #expect(first.pendingCounts.map(\.kind) == [.view], "a first request cannot confirm itself")
        #expect(Self.total(engine, \.confirmedViews) == 0)
        let (second, confirmed) = visit(engine, "/favicon.ico", cookie: cookie)
        #expect(second.pendingCounts.map(\.kind) == [.confirmation])
        let (third, _) = visit(engine, "/about/", cookie: confirmed)
        #expect(third.pendingCounts.isEmpty && third.cookie(forStatus: 200) == nil, "once")
        for _ in 0..<5 { _ = visit(engine, "/") }  // a crawler that drops cookies
        #expect(Self.total(engine, \.views) == 6)
        #expect(Self.total(engine, \.confirmedViews) == 1)
    }

    @Test mutating func countingConfirmedViewsFeedsOnlyThoseToThePolicyAndTheRule() {
        let engine = Self.engine { $0.countViews = .confirmed }
        let (_, cookie) = visit(engine, "/")
        _ = visit(engine, "/contact/", cookie: cookie)
        for _ in 0..<9 { _ = visit(engine, "/") }
        let runtime = engine.experiments[0]
        #expect(runtime.counts.reduce(0) { $0 + $1.views } == 10)
        #expect(runtime.evidence.reduce(0) { $0 + $1.views } == 1)
        #expect(runtime.evidence.reduce(0) { $0 + $1.conversions } == 1)
        #expect(ExperimentReport(runtime).arms.contains { $0.conversionRate == 1 }, "rates by confirmed views")
    }
}
