/// Epsilon-greedy whose exploration fades with traffic: explore with probability
/// 1 / (1 + totalViews / k), django-bandits' "epsilon decreasing". A k ≤ 0 never explores.
public struct EpsilonDecayPolicy: BanditPolicy {
    /// The views in all at which ε has fallen to 1/2 (1/3 at 2k); 100 by default, ≤ 0 never explores.
    public let k: Double

    /// A policy whose exploration halves after `k` views in all.
    public init(k: Double) {
        self.k = k
    }

    /// The exploration probability after `totalViews` views.
    public func epsilon(totalViews: Int) -> Double {
        k > 0 ? 1 / (1 + Double(max(0, totalViews)) / k) : 0
    }

    /// A random arm with probability `epsilon(totalViews:)` of all arms' views, else the best observed rate.
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

    /// The current ε spread evenly, the rest over the arms with the best observed rate.
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        Allocation.epsilonGreedy(arms, epsilon: epsilon(totalViews: arms.reduce(0) { $0 + $1.views }))
    }
}
