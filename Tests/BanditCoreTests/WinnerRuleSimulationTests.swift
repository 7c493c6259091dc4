import Testing

@testable import BanditCore

/// The winner rule under continuous monitoring: simulated experiments in which the rule is
/// checked after EVERY session, as the proxy may check it every second, forever.
///
/// The reference point: django-bandits ran a fresh t-test after every conversion
/// and, on identical arms over 1,600 sessions at α = 0.05, declared a false winner in 20–39%
/// of experiments. `naiveTestCheckedContinuouslyIsNotHonest` reproduces that failure in this
/// harness, which shows the harness can detect a dishonest rule.
///
/// A session: the policy picks an arm from the counts, the session views it and converts
/// with the arm's true rate; then the rule looks at the counts. Seeds are fixed.
@Suite struct WinnerRuleSimulationTests {
    struct Outcome: Sendable {
        var decisions: [Int?]
        var sessionsToDecision: [Int]

        func rate(of arm: Int?) -> Double {
            Double(decisions.count { $0 == arm }) / Double(decisions.count)
        }
        var anyDecisionRate: Double { Double(decisions.count { $0 != nil }) / Double(decisions.count) }
        var medianSessionsToDecision: Int? {
            let sorted = sessionsToDecision.sorted()
            return sorted.isEmpty ? nil : sorted[sorted.count / 2]
        }
    }

    /// Runs `experiments` experiments of up to `sessions` sessions each; an experiment stops at
    /// the first decision of `decide`, which is consulted after every session.
    static func simulate(
        rates: [Double], policy: some BanditPolicy, experiments: Int, sessions: Int, seed: UInt64,
        decide: @escaping @Sendable ([ArmCounts]) -> Int?
    ) async -> Outcome {
        await inBackground {
            simulateHere(
                rates: rates, policy: policy, experiments: experiments, sessions: sessions, seed: seed, decide: decide)
        }
    }

    /// `simulate`, on the calling thread.
    private static func simulateHere(
        rates: [Double], policy: some BanditPolicy, experiments: Int, sessions: Int, seed: UInt64,
        decide: ([ArmCounts]) -> Int?
    ) -> Outcome {
        var rng = Xoshiro256(seed: seed)
        var outcome = Outcome(decisions: [], sessionsToDecision: [])
        for _ in 0..<experiments {
            var arms = [ArmCounts](repeating: ArmCounts(), count: rates.count)
            var decision: Int?
            for session in 1...sessions {
                let arm = policy.choose(arms, using: &rng)
                arms[arm].assignments += 1
                arms[arm].views += 1
                if UnitInterval.open(using: &rng) < rates[arm] { arms[arm].conversions += 1 }
                if let winner = decide(arms) {
                    decision = winner
                    outcome.sessionsToDecision.append(session)
                    break
                }
            }
            outcome.decisions.append(decision)
        }
        return outcome
    }

    static let alpha = 0.05
    static let rule = WinnerRule(significance: alpha, minViews: 100)

    /// α plus three binomial standard errors of a rate estimated from `experiments` runs.
    static func falseWinnerLimit(_ experiments: Int) -> Double {
        alpha + 3 * (alpha * (1 - alpha) / Double(experiments)).squareRoot()
    }

    // MARK: A/A: no false winners beyond α

    @Test func identicalArmsUnderUniformAllocation() async {
        // 400 experiments, two arms at 10%, 1,600 sessions, min 100 views, α = 0.05, checked after
        // every session. Limit: 0.05 + 3·√(0.05·0.95/400) = 0.0827.
        let outcome = await Self.simulate(
            rates: [0.1, 0.1], policy: UniformPolicy(), experiments: 400, sessions: 1600, seed: 0xA11
        ) { Self.rule.winner($0) }
        print("A/A uniform: false-winner rate \(outcome.anyDecisionRate) over 400 experiments")
        #expect(outcome.anyDecisionRate <= Self.falseWinnerLimit(400))
    }

    @Test func identicalArmsUnderThompsonAllocation() async {
        // Same as above with Thompson sampling choosing the arms (adaptive allocation).
        let outcome = await Self.simulate(
            rates: [0.1, 0.1], policy: ThompsonPolicy(), experiments: 400, sessions: 1600, seed: 0xA12
        ) { Self.rule.winner($0) }
        print("A/A thompson: false-winner rate \(outcome.anyDecisionRate) over 400 experiments")
        #expect(outcome.anyDecisionRate <= Self.falseWinnerLimit(400))
    }

    @Test func identicalArmsUnderTopTwoThompsonAllocation() async {
        // Same again with top-two Thompson sampling (β = 0.5).
        let outcome = await Self.simulate(
            rates: [0.1, 0.1], policy: TopTwoThompsonPolicy(beta: 0.5), experiments: 400, sessions: 1600, seed: 0xA14
        ) { Self.rule.winner($0) }
        print("A/A top-two thompson: false-winner rate \(outcome.anyDecisionRate) over 400 experiments")
        #expect(outcome.anyDecisionRate <= Self.falseWinnerLimit(400))
    }

    @Test func naiveTestCheckedContinuouslyIsNotHonest() async {
        // Control: a two-proportion z-test at α = 0.05 (|z| > 1.96), checked after every session
        // from 100 views on, declares a false winner far more often than 5%: the harness detects
        // a dishonest rule. 200 experiments, uniform allocation; we require more than 15%.
        let outcome = await Self.simulate(
            rates: [0.1, 0.1], policy: UniformPolicy(), experiments: 200, sessions: 1600, seed: 0xA13
        ) { arms in
            let total = arms[0].views + arms[1].views
            guard total >= 100, arms[0].views > 0, arms[1].views > 0 else { return nil }
            let pooled = Double(arms[0].conversions + arms[1].conversions) / Double(total)
            let variance = pooled * (1 - pooled) * (1 / Double(arms[0].views) + 1 / Double(arms[1].views))
            guard variance > 0 else { return nil }
            let z = (arms[1].conversionRate - arms[0].conversionRate) / variance.squareRoot()
            return abs(z) > 1.959_963_984_540_054 ? (z > 0 ? 1 : 0) : nil
        }
        print("A/A uniform, naive z-test every session: false-winner rate \(outcome.anyDecisionRate)")
        #expect(outcome.anyDecisionRate > 0.15)
    }

    // MARK: power: 10% against 20%

    @Test func decidesTheBetterArmUnderUniformAllocation() async {
        // 200 experiments of up to 6,000 sessions, rule checked after every session.
        // Required: the better arm in at least 90%, the worse one in at most α of them.
        let outcome = await Self.simulate(
            rates: [0.1, 0.2], policy: UniformPolicy(), experiments: 200, sessions: 6000, seed: 0xB01
        ) { Self.rule.winner($0) }
        print(
            "10% vs 20% uniform: better \(outcome.rate(of: 1)), worse \(outcome.rate(of: 0)),"
                + " median sessions to decision \(outcome.medianSessionsToDecision ?? -1)")
        #expect(outcome.rate(of: 1) >= 0.9)
        #expect(outcome.rate(of: 0) <= Self.alpha)
    }

    @Test func decidesTheBetterArmUnderTopTwoThompsonAllocation() async {
        // Top-two Thompson keeps half the traffic on the challenger, so the rule can bound both
        // arms. 200 experiments of up to 6,000 sessions, checked after every session.
        // Required: the better arm in at least 90%, the worse one in at most α of them.
        let outcome = await Self.simulate(
            rates: [0.1, 0.2], policy: TopTwoThompsonPolicy(beta: 0.5), experiments: 200, sessions: 6000,
            seed: 0xB03
        ) { Self.rule.winner($0) }
        print(
            "10% vs 20% top-two thompson: better \(outcome.rate(of: 1)), worse \(outcome.rate(of: 0)),"
                + " median sessions to decision \(outcome.medianSessionsToDecision ?? -1)")
        #expect(outcome.rate(of: 1) >= 0.9)
        #expect(outcome.rate(of: 0) <= Self.alpha)
    }

    @Test func thompsonAllocationNeverDecidesTheWorseArm() async {
        // Plain Thompson sampling gives the worse arm only O(log n) sessions (about 100 of 6,000
        // here, 130 of 20,000), too few for ANY honest rule to rule out that it is as good:
        // its sequence stays about ±0.09 wide. The rule therefore rarely decides under Thompson
        // (measured: 0–1% of runs within 6,000 sessions), while the bandit already serves the
        // better arm to ~98% of traffic. What must hold is that it never picks the worse arm more
        // than α. 200 experiments of 6,000 sessions, checked after every session.
        let outcome = await Self.simulate(
            rates: [0.1, 0.2], policy: ThompsonPolicy(), experiments: 200, sessions: 6000, seed: 0xB02
        ) { Self.rule.winner($0) }
        print(
            "10% vs 20% thompson: better \(outcome.rate(of: 1)), worse \(outcome.rate(of: 0)),"
                + " median sessions to decision \(outcome.medianSessionsToDecision ?? -1)")
        #expect(outcome.rate(of: 0) <= Self.alpha)
    }
}
