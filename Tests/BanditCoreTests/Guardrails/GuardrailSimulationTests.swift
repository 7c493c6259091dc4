import Testing

@testable import BanditCore

/// Guardrails under continuous monitoring: simulated arms whose requests fail at known
/// rates, with the monitor checked after EVERY batch of ten requests, as the proxy checks it
/// at every flush, up to 20,000 requests.
///
/// The reference: a one-sided z-test of d − δ at α = 0.05 (Wald variance, the same minimum
/// of requests), the test one would write for a fixed sample, checked just as often. At the
/// threshold it trips far more often than α (`anArmAtTheThresholdRarelyTrips`), which shows
/// the harness can tell an honest test from a dishonest one.
///
/// A request goes to the arm with probability `armShare`, else to the control, and fails
/// with its side's rate. Seeds are fixed. The figures printed here are the table in
/// docs/STATISTICS.md ("Guardrails"): `swift test --filter 'Guardrail.*Simulation'`.
@Suite struct GuardrailSimulationTests {
    struct Scenario: Sendable, CustomStringConvertible {
        var controlRate: Double
        var armRate: Double
        /// The arm's share of requests; the control gets the rest.
        var armShare = 0.5

        var description: String {
            "control \(percent(controlRate)), arm \(percent(armRate))"
                + (armShare == 0.5 ? "" : ", arm's share \(percent(armShare))")
        }
    }

    struct Outcome: Sendable {
        /// Per run, the arm's requests when it tripped; nil when it never did.
        var armRequestsAtTrip: [Int?]

        var tripRate: Double { Double(armRequestsAtTrip.count { $0 != nil }) / Double(armRequestsAtTrip.count) }

        /// The `quantile` of the arm's requests at the trip, over the runs that tripped.
        func requestsToTrip(_ quantile: Double) -> Int? {
            let sorted = armRequestsAtTrip.compactMap { $0 }.sorted()
            guard !sorted.isEmpty else { return nil }
            return sorted[min(sorted.count - 1, Int(quantile * Double(sorted.count)))]
        }

        var summary: String {
            let figures = [0.5, 0.9].map { requestsToTrip($0).map(String.init) ?? "-" }.joined(separator: " / ")
            return "tripped \(percent(tripRate)), arm requests to trip median / p90 \(figures)"
        }
    }

    typealias Rule = @Sendable ([ArmRequestSnapshot]) -> Bool

    static let alpha = 0.05
    static let threshold = 0.01
    static let runs = 400
    static let requests = 20_000
    static let batch = 10

    /// The guardrail as the proxy will run it: `maxErrorRate` 0.01, α 0.05, two arms.
    static let guardrail: Rule = {
        let monitor = GuardrailMonitor(config: GuardrailConfig(maxErrorRate: threshold), experimentSignificance: alpha)
        return { monitor.assess($0).first?.tripped ?? false }
    }()

    /// The reference: z = (d − δ)/√(p̂_A(1 − p̂_A)/n_A + p̂_C(1 − p̂_C)/n_C) > 1.645.
    static let naive: Rule = { arms in
        let (control, arm) = (arms[0], arms[1])
        let minimum = GuardrailConfig.defaultMinRequests
        guard arm.requests >= minimum, control.requests >= minimum else { return false }
        let variance =
            arm.errorRate * (1 - arm.errorRate) / Double(arm.requests) + control.errorRate
            * (1 - control.errorRate) / Double(control.requests)
        let excess = arm.errorRate - control.errorRate - threshold
        return variance > 0 && excess / variance.squareRoot() > 1.644_853_626_951_472_2
    }

    /// α plus three binomial standard errors of a rate estimated from `runs` runs.
    static var falseTripLimit: Double { alpha + 3 * (alpha * (1 - alpha) / Double(runs)).squareRoot() }

    static func simulate(_ scenario: Scenario, rule: @escaping Rule, seed: UInt64) async -> Outcome {
        await inBackground { simulateHere(scenario, rule: rule, seed: seed) }
    }

    /// `simulate`, on the calling thread.
    private static func simulateHere(_ scenario: Scenario, rule: Rule, seed: UInt64) -> Outcome {
        var rng = Xoshiro256(seed: seed)
        var outcome = Outcome(armRequestsAtTrip: [])
        for _ in 0..<runs {
            var arms = [ArmRequestSnapshot(), ArmRequestSnapshot()]
            var trippedAt: Int?
            for request in 1...requests {
                // One 64-bit draw per request: its high half picks the side, its low half whether
                // the request fails (2⁻³² resolution, far below the rates simulated).
                let draw = rng.next()
                let side = Double(draw >> 32) * 0x1p-32 < scenario.armShare ? 1 : 0
                arms[side].requests += 1
                let rate = side == 1 ? scenario.armRate : scenario.controlRate
                if Double(draw & 0xFFFF_FFFF) * 0x1p-32 < rate { arms[side].errors += 1 }
                if request % batch == 0 && rule(arms) {
                    trippedAt = arms[1].requests
                    break
                }
            }
            outcome.armRequestsAtTrip.append(trippedAt)
        }
        return outcome
    }

    // MARK: false trips: at most α, however often checked

    @Test(arguments: [0.003, 0.02])
    func identicalArmsRarelyTrip(rate: Double) async {
        let scenario = Scenario(controlRate: rate, armRate: rate)
        async let guarded = Self.simulate(scenario, rule: Self.guardrail, seed: 0x6A1 + UInt64(rate * 1e4))
        async let reference = Self.simulate(scenario, rule: Self.naive, seed: 0x6A1 + UInt64(rate * 1e4))
        let (outcome, naive) = await (guarded, reference)
        print(
            "guardrail A/A \(scenario): false trips \(percent(outcome.tripRate)), naive z-test "
                + "\(percent(naive.tripRate)) (\(Self.runs) runs × \(Self.requests) requests, checked every \(Self.batch))"
        )
        #expect(outcome.tripRate <= Self.falseTripLimit)
    }

    /// The hardest case for the test: the arm exactly δ worse than the control, on H0's boundary.
    @Test(arguments: [(0.003, 0.013), (0.02, 0.03)])
    func anArmAtTheThresholdRarelyTrips(controlRate: Double, armRate: Double) async {
        let scenario = Scenario(controlRate: controlRate, armRate: armRate)
        let seed = 0x6B1 + UInt64(controlRate * 1e4)
        async let guarded = Self.simulate(scenario, rule: Self.guardrail, seed: seed)
        async let reference = Self.simulate(scenario, rule: Self.naive, seed: seed)
        let (outcome, naive) = await (guarded, reference)
        print(
            "guardrail at the threshold, \(scenario): false trips \(percent(outcome.tripRate)), naive z-test "
                + "\(percent(naive.tripRate)) (\(Self.runs) runs × \(Self.requests) requests)")
        #expect(outcome.tripRate <= Self.falseTripLimit)
        // The harness detects a dishonest test: the naive one trips in well over α of the runs.
        #expect(naive.tripRate > 0.15)
    }

    @Test func anArmWithoutAControlAtTheThresholdRarelyTrips() async {
        // Every request on the arm, none on the control: the outright test at p_A = δ.
        let scenario = Scenario(controlRate: 0, armRate: Self.threshold, armShare: 1)
        let outcome = await Self.simulate(scenario, rule: Self.guardrail, seed: 0x6C1)
        print("guardrail outright, arm at 1.0% with no control: false trips \(percent(outcome.tripRate))")
        #expect(outcome.tripRate <= Self.falseTripLimit)
    }

    @Test func anArmWorseByLessThanTheThresholdRarelyTrips() async {
        // 1% against 0.3%: 0.7 points worse, within the 1-point limit.
        let scenario = Scenario(controlRate: 0.003, armRate: 0.01)
        async let guarded = Self.simulate(scenario, rule: Self.guardrail, seed: 0x6D1)
        async let reference = Self.simulate(scenario, rule: Self.naive, seed: 0x6D1)
        let (outcome, naive) = await (guarded, reference)
        print(
            "guardrail \(scenario): trips \(percent(outcome.tripRate)), naive z-test \(percent(naive.tripRate))")
        #expect(outcome.tripRate <= Self.falseTripLimit)
    }

    // MARK: requests to trip a broken arm

    @Test func aBrokenArmTripsWithinAFewHundredRequests() async {
        // 5% and 20% 5xx against 0.3%: every run trips, the 20% arm within a couple of hundred
        // of its requests, the 5% arm within a thousand or so.
        for (armRate, medianLimit, p90Limit) in [(0.05, 600, 1_200), (0.2, 100, 150)] {
            let scenario = Scenario(controlRate: 0.003, armRate: armRate)
            async let guarded = Self.simulate(scenario, rule: Self.guardrail, seed: 0x6E1 + UInt64(armRate * 100))
            async let reference = Self.simulate(scenario, rule: Self.naive, seed: 0x6E1 + UInt64(armRate * 100))
            let (outcome, naive) = await (guarded, reference)
            print("guardrail \(scenario): \(outcome.summary); naive z-test \(naive.summary)")
            #expect(outcome.tripRate == 1)
            #expect(outcome.requestsToTrip(0.5)! <= medianLimit)
            #expect(outcome.requestsToTrip(0.9)! <= p90Limit)
        }
    }

    @Test func aModeratelyWorseArmTripsEventually() async {
        // 2% against 0.3%: 1.7 points worse, 0.7 beyond the limit.
        let scenario = Scenario(controlRate: 0.003, armRate: 0.02)
        async let guarded = Self.simulate(scenario, rule: Self.guardrail, seed: 0x6F1)
        async let reference = Self.simulate(scenario, rule: Self.naive, seed: 0x6F1)
        let (outcome, naive) = await (guarded, reference)
        print("guardrail \(scenario): \(outcome.summary); naive z-test \(naive.summary)")
        #expect(outcome.tripRate >= 0.9)
    }

    @Test func aCanaryArmTripsOnItsOwnRequests() async {
        // The arm gets a tenth of the requests (a canary): what counts is its own requests.
        let scenario = Scenario(controlRate: 0.003, armRate: 0.05, armShare: 0.1)
        let outcome = await Self.simulate(scenario, rule: Self.guardrail, seed: 0x701)
        print("guardrail \(scenario): \(outcome.summary)")
        #expect(outcome.tripRate >= 0.99)
        #expect(outcome.requestsToTrip(0.5)! <= 600)
    }
}

/// A rate as a percentage with one decimal, for the simulations' printed figures.
func percent(_ rate: Double) -> String {
    let tenths = Int((rate * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
}
