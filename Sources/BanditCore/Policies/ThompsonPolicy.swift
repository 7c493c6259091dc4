/// Thompson sampling (Thompson 1933): one draw from each arm's Beta(1 + conversions,
/// 1 + failures) posterior, serve the arm with the highest draw. Each arm is served with
/// the posterior probability that it is the best.
public struct ThompsonPolicy: BanditPolicy {
    /// The policy has no parameters.
    public init() {}

    /// The arm with the highest posterior draw.
    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        var best = 0
        var bestSample = -Double.infinity
        for index in arms.indices {
            let sample = BetaSampler.posteriorSample(arms[index], using: &rng)
            if sample > bestSample {
                bestSample = sample
                best = index
            }
        }
        return best
    }

    /// Thompson sampling picks each arm with exactly its posterior probability of being best.
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? { ProbabilityBest.estimate(arms) }
}
