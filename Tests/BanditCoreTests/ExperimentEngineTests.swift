import Testing

@testable import BanditCore

/// The engine's rules with plain values and a seeded generator, no sockets.
@Suite struct ExperimentEngineTests {
    static let config = ProxyConfig(
        upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
        session: SessionSettings(secret: "engine-secret-123456", authCookie: "sessionid"),
        experiments: [
            ExperimentConfig(
                name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"]),
            ExperimentConfig(
                name: "cta", source: PathPattern("/pricing/"), target: PathPattern("/signup/"),
                arms: ["plain", "green", "red"], algorithm: .uniform, injection: .query("cta"),
                ignoreAuthenticated: true),
        ])

    let engine = ExperimentEngine(config: Self.config, secret: "engine-secret-123456")
    var rng = SplitMix64(seed: 42)

    /// Sends a request, commits it with `status`, returns the decision and the cookie pair to send next.
    mutating func visit(_ uri: String, cookie: String? = nil, status: Int = 200, extraCookies: String? = nil)
        -> (Decision, String?)
    {
        var headers: [String] = []
        if let cookie { headers.append(cookie) }
        if let extraCookies { headers.append(extraCookies) }
        let decision = engine.decide(RequestFacts(uri: uri, cookieHeaders: headers), using: &rng)
        engine.commit(decision, status: status)
        let next = decision.cookie(forStatus: status).map { String($0.split(separator: ";")[0]) } ?? cookie
        return (decision, next)
    }

    @Test mutating func sourceAssignsInjectsAndCountsAView() {
        let (decision, cookie) = visit("/")
        #expect(decision.headers.count == 1)
        #expect(decision.headers.first?.name == "X-Bandit-headline")
        #expect(decision.pendingCounts.map(\.kind).filter({ $0 != .confirmation }) == [.view])
        #expect(decision.assignments.count == 1)
        #expect(cookie != nil)
        #expect(engine.experiments[0].counts.reduce(0) { $0 + $1.views } == 1)
    }

    @Test mutating func conversionNeedsAnEarlierViewAndCountsOnce() {
        let (_, fresh) = visit("/contact/")
        #expect(fresh == nil)
        let (_, cookie) = visit("/")
        let (first, afterConversion) = visit("/contact/", cookie: cookie)
        #expect(first.pendingCounts.map(\.kind).filter({ $0 != .confirmation }) == [.conversion])
        let (second, _) = visit("/contact/", cookie: afterConversion)
        #expect(second.pendingCounts.isEmpty)
        #expect(engine.experiments[0].counts.reduce(0) { $0 + $1.conversions } == 1)
    }

    @Test mutating func failedResponsesKeepTheAssignmentButNotTheMarks() {
        let (failed, cookie) = visit("/", status: 502)
        #expect(failed.cookie(forStatus: 502) != nil)
        #expect(engine.experiments[0].counts.reduce(0) { $0 + $1.views } == 0)
        let (retry, _) = visit("/", cookie: cookie)
        #expect(retry.pendingCounts.map(\.kind).filter({ $0 != .confirmation }) == [.view])
        #expect(retry.headers.first?.value == failed.headers.first?.value)
    }

    @Test mutating func queryInjectionReplacesSpoofedParameters() {
        let (decision, _) = visit("/pricing/?cta=evil&page=2&bandit_force_nothing=1")
        let uri = try! #require(decision.rewrittenURI)
        #expect(uri.hasPrefix("/pricing/?page=2&cta="))
        #expect(!uri.contains("evil"))
        #expect(!uri.contains("bandit_force"))
    }

    /// Each served arm says how it reaches the upstream: a header experiment's by its header,
    /// a query experiment's only in the rewritten target.
    @Test mutating func servedArmsCarryTheirHeaderOrNone() {
        let (first, cookie) = visit("/")
        let (decision, _) = visit("/pricing/", cookie: cookie)
        #expect(first.served.map(\.header) == ["X-Bandit-headline"])
        #expect(decision.served.map(\.experiment) == ["headline", "cta"])
        #expect(decision.served.map(\.header) == ["X-Bandit-headline", nil])
        #expect(decision.headers.map(\.name) == ["X-Bandit-headline"])
        #expect(decision.headers.map(\.value) == [first.served[0].arm])
        let cta = decision.served[1].arm
        #expect(decision.rewrittenURI == "/pricing/?cta=\(cta)")
    }

    @Test mutating func authenticatedSessionsAreServedButNotCounted() {
        let (decision, cookie) = visit("/pricing/", extraCookies: "sessionid=xyz")
        #expect(decision.rewrittenURI?.contains("cta=") == true)
        #expect(decision.pendingCounts.isEmpty)
        #expect(decision.assignments.isEmpty)
        let arm = decision.rewrittenURI
        #expect(cookie != nil, "the arm is remembered, so the logged-in user sees one variant")
        for _ in 0..<10 {
            let (again, _) = visit("/pricing/", cookie: cookie, extraCookies: "sessionid=xyz")
            #expect(again.rewrittenURI == arm)
            #expect(again.pendingCounts.isEmpty)
        }
    }

    @Test mutating func decidedExperimentsServeTheWinnerAndKeepCountingTheViewedArm() {
        let (_, cookie) = visit("/?bandit_force_headline=control")
        let (_, plain) = visit("/?bandit_force_headline=", cookie: cookie)
        engine.experiments[0].setState(.init(status: .decided, winner: 1, generation: 0))
        let (decision, _) = visit("/", cookie: plain)
        #expect(decision.headers.first?.value == "bold")
        let (newcomer, _) = visit("/")
        #expect(newcomer.headers.first?.value == "bold")
        #expect(newcomer.pendingCounts == [CountEvent(.view, experiment: 0, arm: 1)])
    }

    @Test mutating func aNewGenerationVoidsOldAssignments() {
        let (_, cookie) = visit("/")
        engine.experiments[0].setState(.init(status: .running, winner: nil, generation: 1))
        let (decision, _) = visit("/", cookie: cookie)
        #expect(decision.assignments.count == 1)
        #expect(decision.pendingCounts.map(\.kind).filter({ $0 != .confirmation }) == [.view])
    }

    @Test func runtimeStateRoundTripsThroughItsPackedWord() {
        let runtime = ExperimentRuntime(config: Self.config.experiments[0], index: 0)
        for state in [
            ExperimentRuntime.State(status: .running, winner: nil, generation: 0),
            .init(status: .decided, winner: 1, generation: 7), .init(status: .paused, winner: 0, generation: 123_456),
        ] {
            runtime.setState(state)
            #expect(runtime.state == state)
        }
    }
}
