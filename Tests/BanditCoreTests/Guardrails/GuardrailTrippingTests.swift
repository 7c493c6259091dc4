import Foundation
import Testing

@testable import BanditCore

/// What a trip does to an experiment, with plain values: who is served what, who gets new
/// sessions, what is counted and shown, and what a restore undoes.
@Suite struct GuardrailTrippingTests {
    static func config(arms: [String] = ["control", "bold"], algorithm: Algorithm = .uniform) -> ProxyConfig {
        var experiment = ExperimentConfig(
            name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: arms,
            algorithm: algorithm)
        experiment.guardrails = GuardrailConfig(maxErrorRate: 0.01)
        return ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            session: SessionSettings(secret: "guardrail-secret-1234"),
            experiments: [experiment])
    }

    var engine = ExperimentEngine(config: Self.config(), secret: "guardrail-secret-1234")
    var rng = SplitMix64(seed: 7)
    var experiment: ExperimentRuntime { engine.experiments[0] }

    /// One request; returns the arm served and the cookie to send next.
    mutating func visit(_ uri: String, cookie: String?, status: Int = 200) -> (arm: String?, cookie: String?) {
        let decision = engine.decide(RequestFacts(uri: uri, cookieHeaders: cookie.map { [$0] } ?? []), using: &rng)
        engine.commit(decision, status: status)
        let next = decision.cookie(forStatus: status).map { String($0.split(separator: ";")[0]) } ?? cookie
        return (decision.served.first?.arm, next)
    }

    /// A session on `arm`, found by opening new ones.
    mutating func session(on arm: String) -> String? {
        for _ in 0..<200 {
            let (served, cookie) = visit("/", cookie: nil)
            if served == arm { return cookie }
        }
        return nil
    }

    /// Requests for `arm` as the proxy counts them: `errors` of `requests` answered 500.
    func record(arm: Int, requests: Int, errors: Int) {
        for index in 0..<requests {
            experiment.requestStats[arm].record(
                status: index < errors ? 500 : 200, latencyNanoseconds: 1_000_000, slowNanoseconds: nil)
        }
    }

    @Test mutating func aTrippedArmsSessionsGetTheControlAndNewSessionsNeverGetIt() throws {
        let boldSession = try #require(session(on: "bold"))
        record(arm: 0, requests: 400, errors: 0)
        record(arm: 1, requests: 200, errors: 60)
        let trips = experiment.checkGuardrails(at: 1_000)
        #expect(trips.map(\.arm) == [1])
        #expect(trips.first?.reason.hasPrefix("5xx 30.0% vs control 0.0%") == true)
        #expect(experiment.checkGuardrails(at: 2_000).isEmpty, "a trip is reported once")
        let viewsBefore = experiment.counts(arm: 1)

        #expect(visit("/", cookie: boldSession).arm == "control", "served the control from its next request")
        #expect(visit("/contact/", cookie: boldSession).arm == "control")
        #expect(experiment.counts(arm: 1) == viewsBefore, "no conversion is credited to the arm it no longer sees")
        for _ in 0..<100 { #expect(visit("/", cookie: nil).arm == "control", "no new session on the tripped arm") }
        #expect(experiment.counts(arm: 1).assignments > 0, "its counts stay in the results")
        experiment.refreshAllocation()
        #expect(experiment.allocation == [1, 0])

        let report = ExperimentReport(experiment)
        #expect(report.arms[1].guardrail.tripped && report.arms[1].guardrail.trippedAt == 1_000)
        #expect(report.arms[1].guardrail.requests == 200 && report.arms[1].guardrail.errorRate == 0.3)
        #expect(!report.arms[0].guardrail.tripped)
        #expect(report.guardrails?.servesControlOnly == true)
        #expect(report.warnings.contains { $0.contains("every arm but the control tripped") })
        #expect(report.decision.outlook.contains("control is served to everyone"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains(#""reason":"5xx 30.0% vs control 0.0%"#))

        // Restored: its sessions see it again, and the errors that tripped it do not trip it again.
        #expect(experiment.restoreArm(1) != nil)
        #expect(experiment.restoreArm(1) == nil, "restoring an arm that is not tripped changes nothing")
        #expect(visit("/", cookie: boldSession).arm == "bold")
        #expect(experiment.checkGuardrails(at: 3_000).isEmpty)
        #expect(experiment.guardrailReadings[1].requests == 0)
        #expect(ExperimentReport(experiment).arms[1].guardrail.requests == 200, "the API still shows every request")
        record(arm: 1, requests: 200, errors: 60)
        #expect(experiment.checkGuardrails(at: 4_000).map(\.arm) == [1], "fresh errors trip it again")
    }

    @Test mutating func theOthersShareTheTrippedArmsTraffic() {
        engine = ExperimentEngine(config: Self.config(arms: ["control", "a", "b"]), secret: "guardrail-secret-1234")
        record(arm: 0, requests: 400, errors: 0)
        record(arm: 2, requests: 200, errors: 80)
        #expect(experiment.checkGuardrails(at: 1).map(\.arm) == [2])
        #expect(!experiment.servesControlOnly)
        var seen: [String: Int] = [:]
        for _ in 0..<300 { seen[visit("/", cookie: nil).arm ?? "none", default: 0] += 1 }
        #expect(seen["b"] == nil)
        #expect(seen["control", default: 0] > 100 && seen["a", default: 0] > 100, "\(seen)")
        experiment.refreshAllocation()
        #expect(experiment.allocation == [0.5, 0.5, 0])
    }

    @Test func theSubsetPolicyKeepsWeightsAndFloorsOfTheArmsLeft() {
        var weighted = Self.config(arms: ["control", "a", "b"]).experiments[0]
        weighted.weights = [0.5, 0.25, 0.25]
        #expect(
            ArmSubsetPolicy(weighted, allowed: [0, 2]).probabilities([ArmCounts](repeating: .init(), count: 3)) == [
                2.0 / 3, 0, 1.0 / 3,
            ])
        var ucb = Self.config(arms: ["control", "a", "b"], algorithm: .ucb1(c: 2)).experiments[0]
        ucb.minShares = nil
        var generator = SplitMix64(seed: 1)
        let counts = [
            ArmCounts(views: 100, conversions: 1), ArmCounts(views: 100, conversions: 50),
            ArmCounts(views: 100, conversions: 2),
        ]
        #expect(
            ArmSubsetPolicy(ucb, allowed: [0, 2]).choose(counts, using: &generator) != 1, "the best arm is left out")
        #expect(ArmSubsetPolicy(ucb, allowed: [0]).choose(counts, using: &generator) == 0)
    }

    @Test mutating func aForcedArmIsStillServedForQA() {
        record(arm: 0, requests: 400, errors: 0)
        record(arm: 1, requests: 200, errors: 60)
        _ = experiment.checkGuardrails(at: 1)
        #expect(visit("/?bandit_force_headline=bold", cookie: nil).arm == "bold")
    }

    @Test mutating func aTrippedWinnerIsNotServed() throws {
        let controlSession = try #require(session(on: "control"))
        record(arm: 0, requests: 400, errors: 0)
        record(arm: 1, requests: 200, errors: 60)
        _ = experiment.checkGuardrails(at: 1)
        experiment.setState(.init(status: .decided, winner: 1, generation: 0))
        #expect(visit("/", cookie: controlSession).arm == "control")
        #expect(visit("/", cookie: nil).arm == "control")
    }

    /// A reload keeps the counts and, while the limits are the same, the trips.
    @Test func aReloadTakesOverCountsAndTrips() {
        let previous = ExperimentEngine(config: Self.config(), secret: "guardrail-secret-1234")
        for _ in 0..<300 {
            previous.experiments[0].requestStats[0].record(status: 200, latencyNanoseconds: 1, slowNanoseconds: nil)
        }
        for index in 0..<100 {
            previous.experiments[0].requestStats[1].record(
                status: index < 40 ? 500 : 200, latencyNanoseconds: 1, slowNanoseconds: nil)
        }
        #expect(previous.experiments[0].checkGuardrails(at: 5).count == 1)

        let same = ExperimentEngine(config: Self.config(), secret: "guardrail-secret-1234")
        let handover = same.takeOverGuardrails(from: previous)
        #expect(same.experiments[0].guardrails.isTripped(1))
        #expect(same.experiments[0].guardrails.trip(of: 1)?.trippedAt == 5)
        previous.experiments[0].requestStats[1].record(status: 500, latencyNanoseconds: 1, slowNanoseconds: nil)
        same.addRequestCounts(finishedSince: handover, on: previous)
        #expect(
            same.experiments[0].requestStats[1].snapshot.requests == 101, "requests in flight during the reload count")
        #expect(same.experiments[0].requestStats[1].snapshot.errors == 41)

        var looser = Self.config()
        looser.experiments[0].guardrails = GuardrailConfig(maxErrorRate: 0.5)
        let changed = ExperimentEngine(config: looser, secret: "guardrail-secret-1234")
        _ = changed.takeOverGuardrails(from: previous)
        #expect(!changed.experiments[0].guardrails.isTripped(1), "new limits judge the counts afresh")
        #expect(changed.experiments[0].checkGuardrails(at: 6).isEmpty)
        #expect(changed.experiments[0].requestStats[1].snapshot.requests == 101)
    }
}
