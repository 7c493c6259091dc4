#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Sample-ratio mismatch: views split across arms unlike the allocation planned, the classic
/// sign of broken tracking (a cache serving one arm, a redirect that loses the cookie, bots
/// that only ever see one variant). Meaningful where the split is fixed, i.e. `uniform`.
public enum SampleRatioMismatch {
    /// Pearson's chi-square test of `observed` counts against `expectedShares` (summing to 1):
    /// the p-value with k − 1 degrees of freedom.
    public static func pValue(observed: [Int], expectedShares: [Double]) -> Double {
        let total = Double(observed.reduce(0, +))
        guard observed.count >= 2, observed.count == expectedShares.count, total > 0 else { return 1 }
        var statistic = 0.0
        for (count, share) in zip(observed, expectedShares) where share > 0 {
            let expected = total * share
            statistic += (Double(count) - expected) * (Double(count) - expected) / expected
        }
        return ChiSquare.survival(statistic, degreesOfFreedom: observed.count - 1)
    }

    /// The Dirichlet-multinomial mixture's Bayes factor against the planned split, in logs:
    /// ln [ B(a + x) / B(a) / Πₖ πₖ^xₖ ] with aₖ = `concentration`·πₖ, B the multivariate Beta
    /// function (Lindon & Malek 2022, "Anytime-valid inference for multinomial count data").
    ///
    /// Under the planned split it is the likelihood ratio of a mixture of multinomials against
    /// the true one, a non-negative martingale of mean 1, so by Ville's inequality it ever
    /// reaches 1/threshold with probability ≤ threshold: it may be checked on every look,
    /// unlike the chi-square test, whose p-value re-run at every look falls below 0.001 on
    /// clean data in a few percent of long experiments. The concentration (1,000) puts the
    /// mixture's weight on deviations of a few percent of the split, the ones broken
    /// tracking causes.
    public static func logEvidence(observed: [Int], expectedShares: [Double], concentration: Double = 1000) -> Double {
        guard observed.count >= 2, observed.count == expectedShares.count else { return 0 }
        let total = Double(observed.reduce(0, +))
        var value = SpecialFunctions.logGamma(concentration) - SpecialFunctions.logGamma(concentration + total)
        for (count, share) in zip(observed, expectedShares) {
            guard share > 0 else {
                if count > 0 { return .infinity }  // views on an arm planned to get none
                continue
            }
            let a = concentration * share
            let x = Double(count)
            value += SpecialFunctions.logGamma(a + x) - SpecialFunctions.logGamma(a) - x * log(share)
        }
        return value
    }

    /// A sentence for the API's `warnings` when the mixture's evidence reaches 1/`threshold`
    /// (false alarm at most `threshold` over the experiment's whole life); else nil.
    public static func warning(views: [Int], expectedShares: [Double], threshold: Double = 0.001) -> String? {
        guard logEvidence(observed: views, expectedShares: expectedShares) >= -log(threshold) else { return nil }
        let observed = views.map { "\($0)" }.joined(separator: " / ")
        let planned = expectedShares.map { "\(Int(($0 * 100).rounded()))%" }.joined(separator: " / ")
        return
            "sample ratio mismatch: views \(observed) differ from the planned \(planned) split "
            + "(sequential test, false alarm ≤ \(threshold)); check caching, redirects that drop the cookie, and bots"
    }
}

/// The chi-square distribution's upper tail, through the regularized incomplete gamma function.
enum ChiSquare {
    /// P(X ≥ x) for X ~ χ²(k).
    static func survival(_ x: Double, degreesOfFreedom k: Int) -> Double {
        guard x > 0 else { return 1 }
        return upperRegularizedGamma(Double(k) / 2, x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a): a series below a + 1, a continued fraction above
    /// (Numerical Recipes §6.2), accurate to ~1e-12.
    static func upperRegularizedGamma(_ a: Double, _ x: Double) -> Double {
        let logPrefix = -x + a * log(x) - SpecialFunctions.logGamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var n = a
            for _ in 0..<500 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-15 { break }
            }
            return max(0, 1 - sum * exp(logPrefix))
        }
        var b = x + 1 - a
        var c = 1 / Double.leastNormalMagnitude
        var d = 1 / b
        var h = d
        for i in 1..<500 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < Double.leastNormalMagnitude { d = Double.leastNormalMagnitude }
            c = b + an / c
            if abs(c) < Double.leastNormalMagnitude { c = Double.leastNormalMagnitude }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return min(1, exp(logPrefix) * h)
    }
}
