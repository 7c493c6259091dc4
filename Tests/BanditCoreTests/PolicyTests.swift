import Testing

@testable import BanditCore

@Suite struct PolicyTests {
    static let policies: [any BanditPolicy] = [
        UniformPolicy(), EpsilonGreedyPolicy(epsilon: 0.1), EpsilonDecayPolicy(k: 100), UCB1Policy(c: 2),
        ThompsonPolicy(), TopTwoThompsonPolicy(beta: 0.5),
    ]

    @Test func algorithmMapsToPolicy() {
        #expect(Algorithm.thompson.policy is ThompsonPolicy)
        #expect((Algorithm.epsilonGreedy(epsilon: 0.2).policy as? EpsilonGreedyPolicy)?.epsilon == 0.2)
        #expect((Algorithm.epsilonDecay(k: 50).policy as? EpsilonDecayPolicy)?.k == 50)
        #expect((Algorithm.ucb1(c: 1.5).policy as? UCB1Policy)?.c == 1.5)
        #expect(Algorithm.uniform.policy is UniformPolicy)
    }

    @Test func everyPolicyPicksValidIndices() {
        var rng = Xoshiro256(seed: 9)
        let shapes: [[ArmCounts]] = [
            [ArmCounts(), ArmCounts()],
            [ArmCounts(views: 10, conversions: 3), ArmCounts(), ArmCounts(views: 4, conversions: 4)],
            [ArmCounts(views: 1000, conversions: 0), ArmCounts(views: 1000, conversions: 1000)],
            (0..<7).map { ArmCounts(views: 50 * $0, conversions: 5 * $0) },
            [ArmCounts(views: 5, conversions: 9), ArmCounts(views: 3, conversions: 1)],  // inconsistent counts
        ]
        for policy in Self.policies {
            for arms in shapes {
                for _ in 0..<200 {
                    let arm = policy.choose(arms, using: &rng)
                    #expect(arms.indices.contains(arm), "\(policy) chose \(arm) of \(arms.count)")
                }
            }
            #expect(policy.choose([ArmCounts(views: 3)], using: &rng) == 0)
            #expect(policy.choose([], using: &rng) == 0)
        }
    }

    @Test func uniformSpreadsEvenly() {
        // 30,000 picks over 3 arms: each share 1/3 within 0.015 (SE 0.0027).
        var rng = Xoshiro256(seed: 4)
        let shares = picks(
            UniformPolicy(), [ArmCounts(views: 100, conversions: 90), ArmCounts(), ArmCounts()], 30_000, &rng)
        for share in shares { #expect(abs(share - 1.0 / 3) < 0.015) }
    }

    @Test func greedyExploitsBestWithZeroEpsilon() {
        var rng = Xoshiro256(seed: 2)
        let arms = [
            ArmCounts(views: 100, conversions: 10), ArmCounts(views: 100, conversions: 30),
            ArmCounts(views: 100, conversions: 20),
        ]
        let policy = EpsilonGreedyPolicy(epsilon: 0)
        for _ in 0..<1000 { #expect(policy.choose(arms, using: &rng) == 1) }
    }

    @Test func greedyBreaksTiesAtRandom() {
        // Arms 0 and 2 tie at 30%: each gets half of 20,000 picks within 0.02 (SE 0.0035); arm 1 none.
        var rng = Xoshiro256(seed: 12)
        let arms = [
            ArmCounts(views: 100, conversions: 30), ArmCounts(views: 100, conversions: 10),
            ArmCounts(views: 10, conversions: 3),
        ]
        let shares = picks(EpsilonGreedyPolicy(epsilon: 0), arms, 20_000, &rng)
        #expect(abs(shares[0] - 0.5) < 0.02)
        #expect(shares[1] == 0)
        #expect(abs(shares[2] - 0.5) < 0.02)
    }

    @Test func epsilonGreedyExploresAtItsRate() {
        // ε = 0.3 over 3 arms: a worse arm gets ε/3 = 0.1 of 30,000 picks, within 0.01 (SE 0.0017).
        var rng = Xoshiro256(seed: 13)
        let arms = [
            ArmCounts(views: 100, conversions: 50), ArmCounts(views: 100, conversions: 10),
            ArmCounts(views: 100, conversions: 10),
        ]
        let shares = picks(EpsilonGreedyPolicy(epsilon: 0.3), arms, 30_000, &rng)
        #expect(abs(shares[1] - 0.1) < 0.01)
        #expect(abs(shares[2] - 0.1) < 0.01)
        #expect(abs(shares[0] - 0.8) < 0.015)
    }

    @Test func epsilonDecayFollowsDjangoBandits() {
        let policy = EpsilonDecayPolicy(k: 100)
        #expect(policy.epsilon(totalViews: 0) == 1)
        #expect(policy.epsilon(totalViews: 100) == 0.5)
        #expect(abs(policy.epsilon(totalViews: 900) - 0.1) < 1e-15)
        #expect(EpsilonDecayPolicy(k: 0).epsilon(totalViews: 10) == 0)
        // 1,900 views in total: ε = 0.05, so the worse arm gets ε/2 = 0.025 of 40,000 picks
        // within 0.005 (SE 0.0008).
        var rng = Xoshiro256(seed: 14)
        let arms = [ArmCounts(views: 950, conversions: 95), ArmCounts(views: 950, conversions: 190)]
        let shares = picks(policy, arms, 40_000, &rng)
        #expect(abs(shares[0] - 0.025) < 0.005)
    }

    @Test func ucb1TriesUnplayedArmsFirst() {
        var rng = Xoshiro256(seed: 15)
        let policy = UCB1Policy(c: 2)
        let arms = [ArmCounts(views: 500, conversions: 400), ArmCounts(views: 0), ArmCounts(views: 30, conversions: 1)]
        for _ in 0..<100 { #expect(policy.choose(arms, using: &rng) == 1) }
        // Several unplayed arms: any of them, never a played one.
        let shares = picks(policy, [ArmCounts(), ArmCounts(views: 9, conversions: 9), ArmCounts()], 4000, &rng)
        #expect(shares[1] == 0)
        #expect(shares[0] > 0.4 && shares[2] > 0.4)
    }

    @Test func ucb1ScoresRateAndBonus() {
        var rng = Xoshiro256(seed: 16)
        let policy = UCB1Policy(c: 2)
        // Arm 0: 0.5 + √(2 ln 1010 / 1000) ≈ 0.618; arm 1: 0.4 + √(2 ln 1010 / 10) ≈ 1.575.
        #expect(
            policy.choose(
                [ArmCounts(views: 1000, conversions: 500), ArmCounts(views: 10, conversions: 4)], using: &rng) == 1)
        // Equal views: the higher rate wins.
        #expect(
            policy.choose(
                [ArmCounts(views: 1000, conversions: 100), ArmCounts(views: 1000, conversions: 120)], using: &rng) == 1)
        // c = 0 is pure greedy.
        #expect(
            UCB1Policy(c: 0).choose(
                [ArmCounts(views: 1000, conversions: 500), ArmCounts(views: 10, conversions: 4)], using: &rng) == 0)
    }

    @Test func thompsonFavoursClearlyBetterArm() {
        // P(arm 1 best) > 0.999999 here, so 10,000 picks give arm 1 at least 99.9%.
        var rng = Xoshiro256(seed: 17)
        let arms = [ArmCounts(views: 1000, conversions: 100), ArmCounts(views: 1000, conversions: 200)]
        #expect(picks(ThompsonPolicy(), arms, 10_000, &rng)[1] > 0.999)
        // Equal arms split evenly: 0.5 within 0.02 (SE 0.0035).
        let equal = [ArmCounts(views: 200, conversions: 20), ArmCounts(views: 200, conversions: 20)]
        #expect(abs(picks(ThompsonPolicy(), equal, 20_000, &rng)[0] - 0.5) < 0.02)
    }

    @Test func thompsonMatchesProbabilityBest() {
        // Thompson serves each arm with its posterior probability of being best:
        // P = 0.8533 (see StatisticsTests); 20,000 picks, tolerance 0.015 (SE 0.0025).
        var rng = Xoshiro256(seed: 18)
        let arms = [ArmCounts(views: 100, conversions: 10), ArmCounts(views: 100, conversions: 15)]
        #expect(abs(picks(ThompsonPolicy(), arms, 20_000, &rng)[1] - 0.853_283_789_933_966) < 0.015)
    }

    @Test func topTwoThompsonKeepsTheChallengerInPlay() {
        // Arm 1 is all but certainly best: top-two serves it with probability β = 0.5 and the
        // challenger otherwise. Over 3 arms the challenger is one of the other two.
        // 20,000 picks: shares within 0.02 (SE 0.0035).
        var rng = Xoshiro256(seed: 19)
        let arms = [
            ArmCounts(views: 1000, conversions: 100), ArmCounts(views: 1000, conversions: 300),
            ArmCounts(views: 1000, conversions: 100),
        ]
        let shares = picks(TopTwoThompsonPolicy(beta: 0.5), arms, 20_000, &rng)
        #expect(abs(shares[1] - 0.5) < 0.02)
        #expect(abs(shares[0] - 0.25) < 0.02)
        #expect(abs(shares[2] - 0.25) < 0.02)
        // β = 1 is plain Thompson sampling.
        #expect(picks(TopTwoThompsonPolicy(beta: 1), arms, 2000, &rng)[1] > 0.999)
    }

    @Test func topTwoThompsonReportsTheSharesItServes() {
        // A dominant arm (8000 views, 12.5%) beside two others: choose() stops redrawing after
        // ten tries and takes the runner-up, so the reported propensities must be what it
        // does, not Russo's formula (which gave 0.006 / 0.494 / 0.5 here against about
        // 0.335 / 0.165 / 0.5 served). 20,000 picks with another seed: within 0.02 (SE 0.0035).
        var rng = Xoshiro256(seed: 20)
        let arms = [
            ArmCounts(views: 3000, conversions: 300), ArmCounts(views: 500, conversions: 45),
            ArmCounts(views: 8000, conversions: 1000),
        ]
        let policy = TopTwoThompsonPolicy(beta: 0.5)
        let reported = policy.probabilities(arms)!
        let served = picks(policy, arms, 20_000, &rng)
        for arm in arms.indices {
            #expect(abs(reported[arm] - served[arm]) < 0.02, "arm \(arm): \(reported) vs \(served)")
        }
        #expect(abs(reported[0] - 0.335) < 0.03 && abs(reported[1] - 0.165) < 0.03)
        // Two arms at β = 0.5: an even split whatever the evidence.
        #expect(policy.probabilities([arms[0], arms[2]]) == [0.5, 0.5])
    }

    // MARK: helpers

    private func picks(_ policy: some BanditPolicy, _ arms: [ArmCounts], _ count: Int, _ rng: inout Xoshiro256)
        -> [Double]
    {
        var tally = [Int](repeating: 0, count: arms.count)
        for _ in 0..<count { tally[policy.choose(arms, using: &rng)] += 1 }
        return tally.map { Double($0) / Double(count) }
    }
}
