/// Every arm with equal probability: a classic A/B/n test.
public struct UniformPolicy: BanditPolicy {
    public init() {}

    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        PolicySupport.randomArm(arms.count, using: &rng)
    }
}
