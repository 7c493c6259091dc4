/// A planned split such as 80/20: each arm with its fixed share.
public struct WeightedPolicy: BanditPolicy {
    /// Each arm's fixed probability, in arm order; they sum to 1.
    public let shares: [Double]
    /// Running totals of the shares; the last is 1.
    private let cumulative: [Double]

    /// `shares`: one per arm, summing to 1.
    public init(shares: [Double]) {
        self.shares = shares
        var total = 0.0
        cumulative = shares.map {
            total += $0
            return total
        }
    }

    /// An arm drawn with its share's probability, whatever the counts.
    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        PolicySupport.pick(UnitInterval.open(using: &rng), cumulative: cumulative, count: arms.count)
    }

    /// `shares`, whatever the counts.
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? { shares }
}

/// A bandit policy whose allocation keeps a floor per arm (`minShare`), so that, say, 10%
/// of new sessions stay on the control and the comparison stays valid.
///
/// The floor reshapes the policy's probabilities rather than overriding its picks: with
/// floors fᵢ (F = Σfᵢ) each arm is chosen with probability fᵢ + (1 − F)·pᵢ, where pᵢ is the
/// policy's own probability. Drawing an arm from the floors with probability F, and from the
/// policy otherwise, samples exactly that, without computing pᵢ.
public struct FlooredPolicy: BanditPolicy {
    /// The policy that allocates what the floors leave.
    public let base: any BanditPolicy
    /// Each arm's minimum share of new sessions (fᵢ), in arm order; they sum to at most 1.
    public let floors: [Double]
    private let cumulativeFloors: [Double]
    private let totalFloor: Double

    /// `base` with a floor per arm (`floors`, one per arm, summing to at most 1).
    public init(base: any BanditPolicy, floors: [Double]) {
        self.base = base
        self.floors = floors
        var total = 0.0
        cumulativeFloors = floors.map {
            total += $0
            return total
        }
        totalFloor = total
    }

    /// An arm from the floors with probability F, else the base policy's pick.
    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        let draw = UnitInterval.open(using: &rng)
        if draw < totalFloor {
            return PolicySupport.pick(draw, cumulative: cumulativeFloors, count: arms.count)
        }
        return base.choose(arms, using: &rng)
    }

    /// fᵢ + (1 − F)·pᵢ; none when the base policy has none.
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        guard let base = base.probabilities(arms) else { return nil }
        return base.indices.map { floors[$0] + (1 - totalFloor) * base[$0] }
    }
}

extension PolicySupport {
    /// The first index whose running total exceeds `draw` (the last one if rounding leaves
    /// none), clamped to `count` arms.
    static func pick(_ draw: Double, cumulative: [Double], count: Int) -> Int {
        for (index, total) in cumulative.enumerated() where draw < total { return min(index, count - 1) }
        return max(0, min(cumulative.count, count) - 1)
    }
}

extension ExperimentConfig {
    /// The floor a bandit policy keeps when `minShare` is not given: 10% per arm (less with
    /// more than five arms, so the floors take at most half the traffic). Without a floor,
    /// Thompson sampling and its kin give a losing arm so few sessions that no honest rule
    /// can ever tell it is worse, and the experiment never ends. Epsilon-greedy's ε and
    /// uniform's even split are floors already.
    public static func defaultMinShares(arms: Int, algorithm: Algorithm?) -> [Double]? {
        switch algorithm {
        case .thompson, .topTwoThompson, .ucb1, .epsilonDecay:
            Array(repeating: min(0.1, 0.5 / Double(max(arms, 1))), count: arms)
        default: nil
        }
    }

    /// The policy that allocates new sessions: the algorithm's, with the planned weights or
    /// the floors applied.
    public var allocationPolicy: any BanditPolicy {
        if algorithm == .uniform, let weights { return WeightedPolicy(shares: weights) }
        if let minShares, minShares.contains(where: { $0 > 0 }) {
            return FlooredPolicy(base: algorithm.policy, floors: minShares)
        }
        return algorithm.policy
    }
}
