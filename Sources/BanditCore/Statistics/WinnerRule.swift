#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Decides when an experiment is over: an arm wins, or no arm differs meaningfully from the
/// others. Valid when checked after every session, forever, under any allocation policy.
///
/// ## The rule
///
/// Let L be the arm with the highest observed rate and K the number of arms.
/// - **Winner**: L wins when, for every other arm j, the one-sided mixture SPRT of
///   "L converts better than j" (`DifferenceTest`) reaches K/α.
/// - **No meaningful difference**: when, for every pair of arms, the confidence sequence of
///   their difference at level 1 − α/m (m = K(K − 1)/2 pairs) lies inside (−δ, δ), δ the
///   minimum detectable effect, the experiment ends without a winner. (These sequences mix
///   at scale δ: they are narrowest where the question is asked, near ±δ.)
/// Neither is looked at before `minViews` views in all and `minArmViews` on every arm.
///
/// ## Why at most α false winners
///
/// Declaring L is wrong when another arm converts at least as well (in an A/A test, any
/// declaration is wrong). Give each arm L a fixed rival r(L): the best of the other arms.
/// If declaring L is wrong, p_L ≤ p_r(L), so the test of "L better than r(L)" crossed K/α
/// while its null held, which happens, ever, with probability ≤ α/K (Ville's inequality, see
/// `DifferenceTest`). L is picked from the data, but it is one of K arms: by the union bound
/// the probability of any wrong winner is ≤ K · α/K = α. (The threshold is K/α, not
/// (K − 1)/α: with ties, the true best arm itself can be declared wrongly.) Likewise "no
/// meaningful difference" is wrong only if some pair differs by δ or more while its sequence
/// excludes that difference: ≤ m · α/m = α.
///
/// ## Why the mixture is tuned to δ
///
/// Its scale τ is `tauPerEffect`·δ = 2δ. The mixture is most powerful for effects near τ and
/// still decides larger ones sooner; 2δ is where, in simulation, the default δ (a 25% lift)
/// decides both a large lift (4% → 8%) and a small one (10% → 12%) within 1.1× the sessions
/// of an mSPRT told the true effect in advance, a quarter of what `IntervalOverlapRule`
/// needed (docs/STATISTICS.md has the table `bandit-proxy simulate --compare` prints).
public struct WinnerRule: Sendable {
    /// The probability, at most, of ever declaring an arm that is not a best arm (and,
    /// separately, of ever declaring no meaningful difference when there is one).
    public let significance: Double
    /// Views (all arms together) before a decision may be made.
    public let minViews: Int
    /// δ, the smallest difference worth detecting: it tunes the mixture and bounds "no meaningful difference".
    public let minDetectableEffect: MinimumDetectableEffect

    /// Views every arm needs before the normal approximation under `DifferenceTest` is
    /// trusted: below it a starved arm's rate is too coarse (the A/A simulations show it).
    public static let minArmViews = 30
    /// τ = tauPerEffect · δ (see "Why the mixture is tuned to δ").
    public static let tauPerEffect = 2.0

    /// How an experiment ends.
    public enum Verdict: Sendable, Equatable {
        /// The arm at this index converts better than every other.
        case winner(Int)
        /// No two arms differ by the minimum detectable effect or more: no arm is worth picking.
        case noMeaningfulDifference
    }

    /// `significance` is clamped to (0, 1); values outside (0, 0.5] are not meaningful.
    public init(
        significance: Double, minViews: Int, minDetectableEffect: MinimumDetectableEffect = .standard
    ) {
        self.significance = significance.isNaN ? 0.05 : min(max(significance, 1e-300), 1 - 1e-12)
        self.minViews = minViews
        self.minDetectableEffect = minDetectableEffect
    }

    /// The index of the winning arm, or nil.
    public func winner(_ arms: [ArmCounts]) -> Int? {
        if case .winner(let arm) = verdict(arms) { return arm }
        return nil
    }

    /// What the counts decide, if anything. Fewer than two arms never decide.
    public func verdict(_ arms: [ArmCounts]) -> Verdict? {
        guard let look = Look(arms, rule: self) else { return nil }
        if let leader = look.leader, look.wins(leader) { return .winner(leader) }
        if look.allPairsWithinEffect() { return .noMeaningfulDifference }
        return nil
    }

    /// How far the experiment is from a decision, for the dashboard and the API.
    public struct Progress: Sendable, Equatable {
        /// The arm ahead, if one is (not tied for the highest rate).
        public var leader: Int?
        /// The leader's evidence against its closest rival as a share of what a win needs:
        /// 1 or more decides. 0 before the rule looks.
        public var evidence: Double
        /// The smallest effect the rule is tuned to, in conversion-rate units, at today's rate.
        public var effect: Double
        /// Sessions still needed, at the current rates and split, for a winner or for "no
        /// meaningful difference", whichever comes first; nil when neither is in sight
        /// within a billion sessions (an arm starved of traffic, typically).
        public var sessionsNeeded: Int?
        /// The arm with the smallest share of views, when under 2%: the likely reason.
        public var starvedArm: Int?
    }

    /// How far the counts are from a decision; unlike `verdict`, also before the minimum views.
    public func progress(_ arms: [ArmCounts]) -> Progress {
        let total = arms.reduce(0) { $0 + $1.views }
        let look = Look(arms, rule: self, ignoringMinimums: true)
        var progress = Progress(leader: look?.leader, evidence: 0, effect: look?.effect ?? 0)
        if let smallest = arms.indices.min(by: { arms[$0].views < arms[$1].views }), total > 0,
            Double(arms[smallest].views) < 0.02 * Double(total)
        {
            progress.starvedArm = smallest
        }
        guard let look, arms.count >= 2 else { return progress }
        if let leader = look.leader {
            let weakest = arms.indices.filter { $0 != leader }.map { look.logEvidence(leader, over: $0) }.min()
            progress.evidence = weakest.map { exp(min(0, $0 - look.logWinThreshold)) } ?? 0
            if Look(arms, rule: self) == nil { progress.evidence = min(progress.evidence, 0.999) }
        }
        progress.sessionsNeeded = look.sessionsNeeded(now: total, minimum: max(minViews, arms.count * Self.minArmViews))
        return progress
    }
}

/// One look at the counts: the quantities both verdicts and the progress use.
private struct Look {
    let arms: [ArmCounts]
    let rule: WinnerRule
    let leader: Int?
    let effect: Double
    let tau: Double
    let logWinThreshold: Double
    let pairAlpha: Double

    init?(_ arms: [ArmCounts], rule: WinnerRule, ignoringMinimums: Bool = false) {
        guard arms.count >= 2 else { return nil }
        let views = arms.reduce(0) { $0 + $1.views }
        if !ignoringMinimums {
            guard views >= rule.minViews, arms.allSatisfy({ $0.views >= WinnerRule.minArmViews }) else { return nil }
        }
        guard views > 0 else { return nil }
        self.arms = arms
        self.rule = rule
        let rates = arms.map(\.conversionRate)
        let top = rates.max()!
        let leaders = rates.indices.filter { rates[$0] == top }
        leader = leaders.count == 1 && arms[leaders[0]].views > 0 ? leaders[0] : nil
        let pooled = Double(arms.reduce(0) { $0 + $1.conversions }) / Double(views)
        effect = rule.minDetectableEffect.absolute(atRate: pooled)
        tau = WinnerRule.tauPerEffect * effect
        let k = Double(arms.count)
        logWinThreshold = log(k / rule.significance)
        pairAlpha = rule.significance / (k * (k - 1) / 2)
    }

    /// ln Λ of "`better` converts better than `worse`", on `counts` (by default the look's).
    func logEvidence(_ better: Int, over worse: Int, in counts: [ArmCounts]? = nil) -> Double {
        let counts = counts ?? arms
        return DifferenceTest.logEvidence(
            conversions1: counts[better].conversions, views1: counts[better].views,
            conversions2: counts[worse].conversions, views2: counts[worse].views, tau: tau)
    }

    /// `leader` beats every other arm.
    func wins(_ leader: Int, in counts: [ArmCounts]? = nil) -> Bool {
        let counts = counts ?? arms
        return counts.indices.allSatisfy {
            $0 == leader || logEvidence(leader, over: $0, in: counts) >= logWinThreshold
        }
    }

    /// Every pair's confidence sequence lies inside ±effect.
    func allPairsWithinEffect(in counts: [ArmCounts]? = nil) -> Bool {
        let counts = counts ?? arms
        guard effect > 0 else { return false }
        for i in counts.indices {
            for j in counts.indices where j > i {
                let bounds = DifferenceTest.confidenceSequence(
                    conversions1: counts[i].conversions, views1: counts[i].views, conversions2: counts[j].conversions,
                    views2: counts[j].views, tau: effect, alpha: pairAlpha)
                guard bounds.lower > -effect, bounds.upper < effect else { return false }
            }
        }
        return true
    }

    /// The sessions still needed if the rates and the split stay as they are.
    func sessionsNeeded(now: Int, minimum: Int) -> Int? {
        let shares = arms.map { Double($0.views) / Double(max(1, now)) }
        guard shares.allSatisfy({ $0 > 0 }) else { return nil }
        let rates = arms.map(\.conversionRate)
        // The same checks as the verdict, on the counts `total` sessions would bring.
        func decidesAt(_ total: Double) -> Bool {
            let projected = arms.indices.map { arm in
                let views = Int(shares[arm] * total)
                return ArmCounts(views: views, conversions: Int((rates[arm] * Double(views)).rounded()))
            }
            if let leader, wins(leader, in: projected) { return true }
            return allPairsWithinEffect(in: projected)
        }
        let start = Double(max(now, minimum))
        if decidesAt(start) { return max(0, Int(start) - now) }
        var low = start
        var high = start * 2
        while !decidesAt(high) {
            low = high
            high *= 2
            if high > 1e9 { return nil }
        }
        while high - low > max(1, low * 0.01) {
            let middle = (low + high) / 2
            if decidesAt(middle) { high = middle } else { low = middle }
        }
        return Int(high.rounded(.up)) - now
    }
}
