#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Beta(α, β) draws as X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β).
public enum BetaSampler {
    /// A Beta(alpha, beta) draw in [0, 1]. Shapes below 1 are handled in log space, so even
    /// Beta(0.01, 0.01) never yields 0/0. A shape ≤ 0 is the degenerate limit: alpha ≤ 0 gives 0,
    /// else beta ≤ 0 gives 1.
    public static func sample<R: RandomNumberGenerator>(alpha: Double, beta: Double, using rng: inout R) -> Double {
        guard alpha > 0 else { return 0 }
        guard beta > 0 else { return 1 }
        if alpha >= 1 && beta >= 1 {
            let x = GammaSampler.sample(shape: alpha, using: &rng)
            let y = GammaSampler.sample(shape: beta, using: &rng)
            return x / (x + y)
        }
        let logX = GammaSampler.logSample(shape: alpha, using: &rng)
        let logY = GammaSampler.logSample(shape: beta, using: &rng)
        return 1 / (1 + exp(logY - logX))
    }

    /// A draw from the posterior Beta(1 + conversions, 1 + failures) of an arm (uniform prior).
    public static func posteriorSample<R: RandomNumberGenerator>(_ arm: ArmCounts, using rng: inout R) -> Double {
        let (successes, failures) = arm.posteriorCounts
        return sample(alpha: 1 + Double(successes), beta: 1 + Double(failures), using: &rng)
    }
}

extension ArmCounts {
    /// (conversions, failures) clamped to be consistent: 0 ≤ conversions ≤ views.
    var posteriorCounts: (successes: Int, failures: Int) {
        let views = max(0, self.views)
        let successes = min(max(0, conversions), views)
        return (successes, views - successes)
    }
}
