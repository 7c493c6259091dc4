#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The mixture sequential probability ratio test (mSPRT) on the difference of two conversion
/// rates, one-sided, and its two-sided confidence sequence: the mathematics under `WinnerRule`.
///
/// With n₁, n₂ views, rates p̂₁, p̂₂, the difference d = p̂₁ − p̂₂ is, to the normal
/// approximation, N(θ, V) with V = p̄(1 − p̄)(1/n₁ + 1/n₂) at the pooled rate p̄ when θ = 0.
/// Mixing the likelihood ratio of N(θ, V) against N(0, V) over a half-normal prior on θ > 0
/// with scale τ gives (Robbins 1970; Johari, Koomen, Pekelis & Walsh 2017 for the two-sided
/// form Optimizely's Stats Engine uses)
///
///     Λ = 2·√(V/(V+τ²)) · exp(τ²d² / (2V(V+τ²))) · Φ(dτ / √(V(V+τ²))).
///
/// Λ is a likelihood ratio of the data, mixed over alternatives chosen before any data, so
/// under θ = 0 it is a non-negative martingale of mean 1 in the Gaussian model, and Ville's
/// inequality gives P(∃ n: Λₙ ≥ 1/α) ≤ α: it may be checked after every session, forever.
/// Under θ < 0 (arm 1 worse) Λ is smaller still, since it increases with d. The allocation
/// of sessions to arms cancels from the likelihood ratio as long as it depends only on the
/// past, so the guarantee holds under any bandit policy. It is exact for Gaussian outcomes
/// and asymptotic for conversions; `WinnerRule` asks for enough views per arm before it
/// looks, and the suite's simulations check the error rate at the sample sizes it decides
/// at, under every policy (docs/STATISTICS.md).
///
/// Why one-sided: the question is "is arm 1 better than arm 2", and spending no prior mass
/// on the wrong sign halves the threshold the evidence must reach (ln 2 earlier). Why τ
/// from the smallest effect worth detecting: the mixture's power peaks for effects near τ;
/// a uniform prior over all rates (the per-arm sequences of `IntervalOverlapRule`) spreads
/// its mass over effects nobody tests for, and pays for it in sessions.
public enum DifferenceTest {
    /// ln Λ for "arm 1 converts better than arm 2"; −∞ when it cannot be computed yet.
    public static func logEvidence(
        conversions1: Int, views1: Int, conversions2: Int, views2: Int, tau: Double
    ) -> Double {
        guard views1 > 0, views2 > 0, tau > 0 else { return -.infinity }
        let n1 = Double(views1)
        let n2 = Double(views2)
        let pooled = Double(conversions1 + conversions2) / (n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        guard variance > 0 else { return -.infinity }
        let d = Double(conversions1) / n1 - Double(conversions2) / n2
        return logEvidence(difference: d, variance: variance, tau: tau)
    }

    /// ln Λ for an observed difference `difference` of variance `variance`.
    public static func logEvidence(difference d: Double, variance v: Double, tau: Double) -> Double {
        let t2 = tau * tau
        let spread = v + t2
        return log(2) + 0.5 * log(v / spread) + t2 * d * d / (2 * v * spread)
            + logCDF(d * tau / (v * spread).squareRoot())
    }

    /// The confidence sequence for θ = p₁ − p₂ at level 1 − α from the two-sided normal
    /// mixture of scale τ: with probability ≥ 1 − α it contains θ at every sample size at once.
    /// Its variance is the unpooled one (the arms need not be equal here), with half a
    /// conversion and half a failure added to each arm so that no rate of 0 or 1 claims certainty.
    public static func confidenceSequence(
        conversions1: Int, views1: Int, conversions2: Int, views2: Int, tau: Double, alpha: Double
    ) -> (lower: Double, upper: Double) {
        guard views1 > 0, views2 > 0, tau > 0 else { return (-1, 1) }
        let n1 = Double(views1)
        let n2 = Double(views2)
        let q1 = (Double(conversions1) + 0.5) / (n1 + 1)
        let q2 = (Double(conversions2) + 0.5) / (n2 + 1)
        let v = q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2
        let t2 = tau * tau
        let radius = (v * (v + t2) / t2 * (log((v + t2) / v) - 2 * log(alpha))).squareRoot()
        let d = Double(conversions1) / n1 - Double(conversions2) / n2
        return (max(-1, d - radius), min(1, d + radius))
    }

    /// ln Φ(x), accurate in the far left tail where Φ underflows.
    static func logCDF(_ x: Double) -> Double {
        if x > -8 { return log(NormalDistribution.cdf(x)) }
        // Mills ratio: Φ(x) ≈ φ(x)/|x| · (1 − 1/x² + 3/x⁴) for x → −∞.
        let x2 = x * x
        return -0.5 * x2 - log(-x) - 0.918_938_533_204_672_7 + log1p(-1 / x2 + 3 / (x2 * x2))
    }
}
