/// With probability `epsilon` a uniformly random arm, otherwise the arm with the highest
/// observed conversion rate (ties broken at random).
public struct EpsilonGreedyPolicy: BanditPolicy {
    /// The share of new sessions put on a uniformly random arm, 0...1 (0.1 by default).
    public let epsilon: Double

    /// A policy that explores with probability `epsilon` (0...1).
    public init(epsilon: Double) {
        self.epsilon = epsilon
    }

    /// A random arm with probability `epsilon`, else one with the best observed rate.
    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        if epsilon > 0 && UnitInterval.open(using: &rng) < epsilon {
            return PolicySupport.randomArm(arms.count, using: &rng)
        }
        return PolicySupport.greedyArm(arms, using: &rng)
    }

    /// ε spread evenly, the rest over the arms with the best observed rate.
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        Allocation.epsilonGreedy(arms, epsilon: epsilon)
    }
}
