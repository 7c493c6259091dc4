/// The Wilson score interval for a binomial proportion (Wilson 1927).
///
/// For display of one arm's conversion rate at a fixed sample size. It is not valid under
/// continuous monitoring; the winner rule uses `IntervalOverlapRule.confidenceSequence` instead.
public enum WilsonInterval {
    /// Two-sided interval at `confidence` (e.g. 0.95). Exactly 0 as the lower bound with no
    /// successes and exactly 1 as the upper bound when every trial succeeded; (0, 1) for no trials.
    /// Successes are clamped to 0...trials.
    public static func interval(successes: Int, trials: Int, confidence: Double) -> (lower: Double, upper: Double) {
        guard trials > 0, confidence > 0 else { return (0, 1) }
        guard confidence < 1 else { return (0, 1) }
        let s = min(max(0, successes), trials)
        let n = Double(trials)
        let pHat = Double(s) / n
        let z = NormalDistribution.quantile(0.5 + 0.5 * confidence)
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (pHat + z2 / (2 * n)) / denominator
        let halfWidth = z / denominator * (pHat * (1 - pHat) / n + z2 / (4 * n * n)).squareRoot()
        let lower = s == 0 ? 0 : max(0, centre - halfWidth)
        let upper = s == trials ? 1 : min(1, centre + halfWidth)
        return (lower, upper)
    }
}
