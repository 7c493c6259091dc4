#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A stopping rule a simulation can run: today's winner rule, or a reference it is compared with.
public enum SimulationRule: Sendable, Equatable {
    /// `WinnerRule` with its minimum detectable effect.
    case winnerRule(MinimumDetectableEffect)
    /// `IntervalOverlapRule`, bandit-proxy's rule before `WinnerRule`.
    case intervalOverlap
    /// The two-sided mSPRT of Johari et al. (Optimizely's Stats Engine) with a normal mixture of
    /// scale `tau` on the difference, two arms only: the reference, told the true effect.
    case twoSidedMSPRT(tau: Double)

    /// The rule and its parameter in words, for the simulation's report.
    public var name: String {
        switch self {
        case .winnerRule(let effect): "winner rule, effect \(effect)"
        case .intervalOverlap: "interval overlap (before)"
        case .twoSidedMSPRT(let tau): "mSPRT, tau \(tau)"
        }
    }

    /// The decision function for `significance` and `minViews`: a winner's index, or nil.
    func decider(significance: Double, minViews: Int) -> @Sendable ([ArmCounts]) -> Int? {
        switch self {
        case .winnerRule(let effect):
            let rule = WinnerRule(significance: significance, minViews: minViews, minDetectableEffect: effect)
            return { rule.winner($0) }
        case .intervalOverlap:
            let rule = IntervalOverlapRule(significance: significance, minViews: minViews)
            return { rule.winner($0) }
        case .twoSidedMSPRT(let tau):
            let threshold = -log(significance)
            return { arms in
                guard arms.count == 2, arms[0].views + arms[1].views >= minViews else { return nil }
                let n0 = Double(arms[0].views)
                let n1 = Double(arms[1].views)
                guard n0 > 0, n1 > 0 else { return nil }
                let pooled = Double(arms[0].conversions + arms[1].conversions) / (n0 + n1)
                let v = pooled * (1 - pooled) * (1 / n0 + 1 / n1)
                guard v > 0 else { return nil }
                let d = arms[1].conversionRate - arms[0].conversionRate
                let t2 = tau * tau
                let logLambda = 0.5 * log(v / (v + t2)) + t2 * d * d / (2 * v * (v + t2))
                return logLambda >= threshold ? (d > 0 ? 1 : 0) : nil
            }
        }
    }
}
