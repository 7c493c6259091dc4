import Testing

@testable import BanditCore

/// Planned splits and floors: the shares new sessions actually get.
@Suite struct AllocationTests {
    /// Always the last arm: the most extreme bandit a floor has to hold back.
    struct Greedy: BanditPolicy {
        func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int { arms.count - 1 }
        func probabilities(_ arms: [ArmCounts]) -> [Double]? { arms.indices.map { $0 == arms.count - 1 ? 1 : 0 } }
    }

    static func shares(_ policy: any BanditPolicy, arms: Int, draws: Int = 40_000) -> [Double] {
        var rng = SplitMix64(seed: 7)
        var picks = Array(repeating: 0, count: arms)
        let counts = Array(repeating: ArmCounts(), count: arms)
        for _ in 0..<draws { picks[policy.choose(counts, using: &rng)] += 1 }
        return picks.map { Double($0) / Double(draws) }
    }

    @Test func weightsGiveThePlannedSplit() {
        let shares = Self.shares(WeightedPolicy(shares: [0.8, 0.2]), arms: 2)
        #expect(abs(shares[0] - 0.8) < 0.01, "\(shares)")
        let three = Self.shares(WeightedPolicy(shares: [0.5, 0, 0.5]), arms: 3)
        #expect(three[1] == 0, "an arm weighted 0 gets nobody")
    }

    @Test func aFloorKeepsItsShareUnderAGreedyPolicy() {
        let shares = Self.shares(FlooredPolicy(base: Greedy(), floors: [0.1, 0, 0]), arms: 3)
        #expect(abs(shares[0] - 0.1) < 0.01, "\(shares)")
        #expect(shares[1] == 0)
        #expect(abs(shares[2] - 0.9) < 0.01)
    }

    @Test func floorsReshapeProbabilitiesRatherThanOverridePicks() {
        // fᵢ + (1 − F)·pᵢ with a uniform base: 0.2 + 0.6 × ½ = 0.5 and 0.2 + 0.6 × ½ = 0.5.
        let shares = Self.shares(FlooredPolicy(base: UniformPolicy(), floors: [0.2, 0.2]), arms: 2)
        #expect(abs(shares[0] - 0.5) < 0.01, "\(shares)")
    }

    @Test func theConfigChoosesThePolicy() {
        var config = ExperimentConfig(
            name: "a", source: PathPattern("/"), target: PathPattern("/t"), arms: ["a", "b"], algorithm: .uniform)
        #expect(config.allocationPolicy is UniformPolicy)
        config.weights = [0.9, 0.1]
        #expect(config.allocationPolicy is WeightedPolicy)
        #expect(config.plannedShares == [0.9, 0.1])
        config.algorithm = .thompson
        config.weights = nil
        config.minShares = [0.1, 0]
        #expect(config.allocationPolicy is FlooredPolicy)
    }
}

/// The propensities policies report match how they actually choose.
@Suite struct PropensityTests {
    static let counts = [
        ArmCounts(assignments: 0, views: 400, conversions: 40), ArmCounts(assignments: 0, views: 380, conversions: 49),
        ArmCounts(assignments: 0, views: 200, conversions: 21),
    ]

    static func empirical(_ policy: any BanditPolicy, draws: Int = 40_000) -> [Double] {
        var rng = SplitMix64(seed: 3)
        var picks = Array(repeating: 0, count: counts.count)
        for _ in 0..<draws { picks[policy.choose(counts, using: &rng)] += 1 }
        return picks.map { Double($0) / Double(draws) }
    }

    @Test(arguments: [
        EpsilonGreedyPolicy(epsilon: 0.2) as any BanditPolicy, EpsilonDecayPolicy(k: 300), ThompsonPolicy(),
        TopTwoThompsonPolicy(beta: 0.5), UniformPolicy(), WeightedPolicy(shares: [0.5, 0.3, 0.2]),
        FlooredPolicy(base: ThompsonPolicy(), floors: [0.15, 0, 0]),
    ])
    func reportedProbabilitiesMatchTheChoices(policy: any BanditPolicy) throws {
        let reported = try #require(policy.probabilities(Self.counts))
        let observed = Self.empirical(policy)
        #expect(abs(reported.reduce(0, +) - 1) < 1e-9)
        for (expected, seen) in zip(reported, observed) {
            #expect(abs(expected - seen) < 0.015, "\(type(of: policy)): reported \(reported), observed \(observed)")
        }
    }

    @Test func ucb1IsDeterministicSoItHasNone() {
        #expect(UCB1Policy(c: 2).probabilities(Self.counts) == nil)
    }

    @Test func theRuntimeKeepsTheAllocationCurrent() {
        var config = ExperimentConfig(
            name: "a", source: PathPattern("/"), target: PathPattern("/t"), arms: ["a", "b"],
            algorithm: .epsilonGreedy(epsilon: 0.2))
        config.minShares = [0.1, 0.1]
        let runtime = ExperimentRuntime(config: config, index: 0)
        runtime.refreshAllocation()
        #expect(runtime.allocation == [0.5, 0.5])
        runtime.add(arm: 1, views: 10, conversions: 5)
        #expect(runtime.allocation == [0.5, 0.5], "only a refresh recomputes it")
        runtime.refreshAllocation()
        // b leads: 0.1 + 0.8 × (0.1 + 0.8) = 0.82; a: 0.1 + 0.8 × 0.1 = 0.18.
        let shares = runtime.allocation ?? []
        #expect(abs(shares[1] - 0.82) < 1e-9 && abs(shares[0] - 0.18) < 1e-9, "\(shares)")
    }
}
