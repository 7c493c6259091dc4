/// Epsilon-greedy whose exploration fades with traffic: explore with probability
/// 1 / (1 + totalViews / k), django-bandits' "epsilon decreasing". A k ≤ 0 never explores.
public struct EpsilonDecayPolicy: BanditPolicy {
    public let k: Double

    public init(k: Double) {
        self.k = k
    }

    /// The exploration probability after `totalViews` views.
    public func epsilon(totalViews: Int) -> Double {
        k > 0 ? 1 / (1 + Double(max(0, totalViews)) / k) : 0
    }

    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        var totalViews = 0
        for arm in arms { totalViews &+= arm.views }
        let epsilon = epsilon(totalViews: totalViews)
        if epsilon > 0 && UnitInterval.open(using: &rng) < epsilon {
            return PolicySupport.randomArm(arms.count, using: &rng)
        }
        return PolicySupport.greedyArm(arms, using: &rng)
    }

    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        Allocation.epsilonGreedy(arms, epsilon: epsilon(totalViews: arms.reduce(0) { $0 + $1.views }))
    }
}
