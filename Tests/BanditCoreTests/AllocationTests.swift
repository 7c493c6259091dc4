import Testing

@testable import BanditCore

/// Planned splits and floors: the shares new sessions actually get.
@Suite struct AllocationTests {
    /// Always the last arm: the most extreme bandit a floor has to hold back.
    struct Greedy: BanditPolicy {
        func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int { arms.count - 1 }
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
