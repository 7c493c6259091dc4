/// Top-two Thompson sampling (Russo 2016, "Simple Bayesian algorithms for best arm
/// identification"): draw a leader by Thompson sampling; with probability `beta` serve it,
/// otherwise redraw until another arm wins the draw (the challenger) and serve that one.
///
/// Keeps a fraction 1 − beta of traffic on the contenders, so the winner rule can separate
/// the best arm sooner than plain Thompson sampling, which starves the runners-up.
/// When the leader keeps winning the redraws (a posterior all but certain), the runner-up of
/// the tenth redraw is the challenger, so a decision costs at most 11 draws per arm.
public struct TopTwoThompsonPolicy: BanditPolicy {
    /// The probability of serving the leader rather than the challenger, 0...1; 0.5 by default.
    public let beta: Double
    static let maxRedraws = 10

    /// A policy serving the leader with probability `beta` (0...1).
    public init(beta: Double = 0.5) {
        self.beta = beta
    }

    /// The leader with probability `beta`, else the challenger (see above); 0 for a single arm.
    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        guard arms.count > 1 else { return 0 }
        let leader = draw(arms, using: &rng).best
        if UnitInterval.open(using: &rng) < beta { return leader }
        for _ in 0..<Self.maxRedraws - 1 {
            let candidate = draw(arms, using: &rng).best
            if candidate != leader { return candidate }
        }
        let last = draw(arms, using: &rng)
        return last.best != leader ? last.best : last.runnerUp
    }

    /// Seeded runs of `choose` counted, for three or more arms.
    static let propensityDraws = 8000

    /// What `choose` does. Two arms, exactly: the challenger is always the other arm, so arm i
    /// gets β·πᵢ + (1 − β)·(1 − πᵢ), π being P(best) (with β = 0.5, an even split whatever the
    /// data). Three or more: Russo's formula assumes redraws until another arm wins, but
    /// `choose` stops after ten and takes the runner-up, which moves the challenger's share
    /// far from the formula when one arm dominates; so the procedure itself is run
    /// `propensityDraws` times with a fixed seed and counted (standard error ≤ 0.006).
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        guard arms.count > 2 else {
            guard arms.count == 2 else { return arms.isEmpty ? [] : [1] }
            let best = ProbabilityBest.estimate(arms)
            return [beta * best[0] + (1 - beta) * best[1], beta * best[1] + (1 - beta) * best[0]]
        }
        var rng = Xoshiro256(seed: 0x707_7770)
        var tally = [Int](repeating: 0, count: arms.count)
        for _ in 0..<Self.propensityDraws { tally[choose(arms, using: &rng)] += 1 }
        return tally.map { Double($0) / Double(Self.propensityDraws) }
    }

    /// One posterior draw per arm; the indices of the highest and second-highest draws.

    private func draw<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> (best: Int, runnerUp: Int) {
        var best = 0
        var runnerUp = 1
        var bestSample = -Double.infinity
        var runnerUpSample = -Double.infinity
        for index in arms.indices {
            let sample = BetaSampler.posteriorSample(arms[index], using: &rng)
            if sample > bestSample {
                runnerUp = best
                runnerUpSample = bestSample
                best = index
                bestSample = sample
            } else if sample > runnerUpSample {
                runnerUp = index
                runnerUpSample = sample
            }
        }
        if runnerUp == best { runnerUp = best == 0 ? 1 : 0 }
        return (best, runnerUp)
    }
}
