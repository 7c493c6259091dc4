import Testing

@testable import BanditCore

/// Which arms trip, why, and with what share of α.
@Suite struct GuardrailMonitorTests {
    static let limits = GuardrailConfig(maxErrorRate: 0.01, slowMs: 800, maxSlowRate: 0.05)

    static func arm(_ requests: Int, errors: Int = 0, slow: Int = 0) -> ArmRequestSnapshot {
        ArmRequestSnapshot(requests: requests, errors: errors, slow: slow)
    }

    @Test func alphaIsSharedByEveryArmAndLimit() {
        let monitor = GuardrailMonitor(config: Self.limits, experimentSignificance: 0.05)
        #expect(monitor.metrics == [.errors, .slow])
        #expect(monitor.testSignificance(arms: 2) == 0.025)
        #expect(monitor.testSignificance(arms: 3) == 0.0125)
        #expect(monitor.test(.slow, arms: 3)?.threshold == 0.05)
        #expect(monitor.test(.errors, arms: 3)?.significance == 0.0125)
        let errorsOnly = GuardrailMonitor(
            config: GuardrailConfig(maxErrorRate: 0.02, significance: 0.01), experimentSignificance: 0.05)
        #expect(errorsOnly.metrics == [.errors])
        #expect(errorsOnly.testSignificance(arms: 2) == 0.01)
        #expect(errorsOnly.test(.slow, arms: 2) == nil)
    }

    @Test func aBrokenArmTripsWithItsFigures() {
        let monitor = GuardrailMonitor(config: Self.limits, experimentSignificance: 0.05)
        let arms = [
            Self.arm(1_000, errors: 3, slow: 10), Self.arm(1_000, errors: 41, slow: 12), Self.arm(1_000, errors: 4),
        ]
        let trips = monitor.trips(arms, at: 1_700_000_000)
        #expect(trips.count == 1)
        #expect(trips.first?.arm == 1)
        #expect(trips.first?.trippedAt == 1_700_000_000)
        #expect(trips.first?.reason == "5xx 4.1% vs control 0.3% (limit +1.0 points)")
        #expect(trips.first?.checks.map(\.metric) == [.errors, .slow])
        #expect(trips.first?.checks.last?.verdict.tripped == false)
        // Already tripped: not reported again.
        #expect(monitor.trips(arms, at: 1_700_000_060, alreadyTripped: [1]).isEmpty)
    }

    @Test func aSlowArmTripsOnItsSlowShare() {
        let monitor = GuardrailMonitor(config: Self.limits, experimentSignificance: 0.05)
        let arms = [Self.arm(2_000, slow: 40), Self.arm(2_000, slow: 400)]
        let assessment = monitor.assess(arms)
        #expect(assessment.count == 1)
        #expect(assessment[0].reason == "slow (>800 ms) 20.0% vs control 2.0% (limit +5.0 points)")
    }

    @Test func bothLimitsExceededAreBothNamed() {
        let monitor = GuardrailMonitor(config: Self.limits, experimentSignificance: 0.05)
        let arms = [Self.arm(2_000, errors: 2, slow: 40), Self.arm(2_000, errors: 400, slow: 400)]
        #expect(
            monitor.assess(arms).first?.reason
                == "5xx 20.0% vs control 0.1% (limit +1.0 points); slow (>800 ms) 20.0% vs control 2.0% (limit +5.0 points)"
        )
    }

    @Test func withoutAUsableControlTheArmIsJudgedOutright() {
        let monitor = GuardrailMonitor(config: Self.limits, experimentSignificance: 0.05)
        let trips = monitor.trips([Self.arm(20), Self.arm(300, errors: 30)], at: 0)
        #expect(trips.first?.reason == "5xx 10.0%, control has too few requests to compare (limit 1.0%)")
    }

    @Test func theControlNeverTrips() {
        // A broken control makes no arm trip and is never assessed itself.
        let monitor = GuardrailMonitor(config: Self.limits, experimentSignificance: 0.05)
        let assessment = monitor.assess([Self.arm(5_000, errors: 2_500), Self.arm(5_000, errors: 10)])
        #expect(assessment.map(\.arm) == [1])
        #expect(!assessment[0].tripped)
        #expect(assessment[0].reason == nil)
    }

    @Test func nothingToCheck() {
        let noLimits = GuardrailMonitor(config: GuardrailConfig(slowMs: 800), experimentSignificance: 0.05)
        #expect(noLimits.assess([Self.arm(1_000), Self.arm(1_000, errors: 1_000)]).isEmpty)
        let monitor = GuardrailMonitor(config: Self.limits, experimentSignificance: 0.05)
        #expect(monitor.assess([Self.arm(1_000, errors: 1_000)]).isEmpty)
        // Under the minimum: assessed, with too few requests to judge.
        let early = monitor.assess([Self.arm(10), Self.arm(10, errors: 10)])
        #expect(early.first?.checks.first?.verdict.basis == .tooFewRequests)
        #expect(early.first?.checks.first?.summary == "5xx 100.0%, too few requests to judge")
    }
}
