/// With probability `epsilon` a uniformly random arm, otherwise the arm with the highest
/// observed conversion rate (ties broken at random).
public struct EpsilonGreedyPolicy: BanditPolicy {
    public let epsilon: Double

    public init(epsilon: Double) {
        self.epsilon = epsilon
    }

    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        if epsilon > 0 && UnitInterval.open(using: &rng) < epsilon {
            return PolicySupport.randomArm(arms.count, using: &rng)
        }
        return PolicySupport.greedyArm(arms, using: &rng)
    }

    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        Allocation.epsilonGreedy(arms, epsilon: epsilon)
    }
}
