/// Every arm with equal probability: a classic A/B/n test.
public struct UniformPolicy: BanditPolicy {
    /// The policy has no parameters.
    public init() {}

    /// A uniformly random arm, whatever the counts.
    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        PolicySupport.randomArm(arms.count, using: &rng)
    }

    /// 1 / arms.count for every arm.
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        Array(repeating: 1 / Double(max(1, arms.count)), count: arms.count)
    }
}
