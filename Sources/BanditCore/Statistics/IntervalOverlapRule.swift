#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The winner rule of bandit-proxy up to version 0.x, kept as the reference that `WinnerRule`
/// is compared with (`bandit-proxy simulate`, the suite's simulations) and for the per-arm
/// confidence sequences shown beside each arm. Honest, but slow: it needs two per-arm
/// intervals not to overlap, about four times the sessions of a test on the difference.
///
/// ## The rule
///
/// Each arm gets an anytime-valid confidence sequence for its conversion rate: the
/// Beta-binomial mixture ("prior–posterior ratio") sequence with a uniform Beta(1, 1) mixing
/// prior (Robbins 1970; Howard, Ramdas, McAuliffe & Sekhon 2021, "Time-uniform, nonparametric,
/// nonasymptotic confidence sequences", Ann. Statist. 49(2); Waudby-Smith & Ramdas 2020).
/// After S conversions and F failures the sequence is
///
///     CS = { p : M(p) < K/α },   M(p) = B(1+S, 1+F) / (pˢ (1−p)ᶠ),
///
/// with K the number of arms (a union bound). Arm i wins when the views of all arms reach
/// `minViews` and the lower end of CSᵢ lies above the upper end of every other arm's CS.
///
/// ## Why it stays valid when checked after every view, forever, under any policy
///
/// M(p) is the likelihood ratio of the uniform mixture of Bernoulli models against the
/// Bernoulli(p) model, so at the arm's true rate p it is a non-negative martingale with
/// M₀ = 1 in the arm's own outcomes. The policy only decides *whether* the next session goes
/// to the arm, from the past (and independent coin flips); it cannot see the outcome first.
/// Indexed by global time, M therefore stays a non-negative martingale (constant while the
/// arm is not served), whatever the allocation. Ville's inequality gives
/// P(∃ t: M_t(p) ≥ K/α) ≤ α/K: the arm's sequence covers its true rate at every time at once
/// with probability ≥ 1 − α/K, so any stopping time, any monitoring schedule is fine.
/// A wrong winner i needs some other arm j with pⱼ ≥ pᵢ while lowerᵢ > upperⱼ, which is only
/// possible if arm i or arm j has left its sequence; by the union bound over K arms, the
/// probability of ever declaring a wrong winner is at most α. `minViews` only delays.
///
/// Caveat: the model reads a view without a conversion as a failure. When conversions arrive
/// with a delay, the recent views are provisional failures; that delay affects all arms alike
/// under uniform allocation but is outside the guarantee above.
///
/// ## Cost
///
/// No allocation. Three log-gamma evaluations per arm, then one root search (safeguarded
/// Newton in log p, typically under 10 steps, at most 100) for the leader only, and two
/// logarithms per other arm. A few microseconds for a handful of arms.
public struct IntervalOverlapRule: Sendable {
    /// The probability, at most, of ever declaring an arm that is not the best.
    public let significance: Double
    /// Views (all arms together) before a winner may be declared.
    public let minViews: Int

    /// `significance` is clamped to (0, 1); values outside (0, 0.5] are not meaningful.
    public init(significance: Double, minViews: Int) {
        self.significance = significance.isNaN ? 0.05 : min(max(significance, 1e-300), 1 - 1e-12)
        self.minViews = minViews
    }

    /// The index of the winning arm, or nil. Fewer than two arms never have a winner.
    public func winner(_ arms: [ArmCounts]) -> Int? {
        guard arms.count >= 2 else { return nil }
        var totalViews = 0
        var leader = -1
        var leaderRate = -1.0
        var leaderTied = false
        for (index, arm) in arms.enumerated() {
            let counts = arm.posteriorCounts
            totalViews += counts.successes + counts.failures
            let trials = counts.successes + counts.failures
            let rate = trials == 0 ? 0 : Double(counts.successes) / Double(trials)
            if rate > leaderRate {
                leader = index
                leaderRate = rate
                leaderTied = false
            } else if rate == leaderRate {
                leaderTied = true
            }
        }
        // A tie at the top means lowerᵢ < p̂ᵢ = p̂ⱼ < upperⱼ: no winner.
        guard totalViews >= minViews, !leaderTied else { return nil }

        let logThreshold = log(Double(arms.count) / significance)
        let leaderCounts = arms[leader].posteriorCounts
        let lower = Self.lowerBound(
            successes: Double(leaderCounts.successes), failures: Double(leaderCounts.failures),
            logThreshold: logThreshold)
        guard lower > 0 else { return nil }
        let logLower = log(lower)
        let logOneMinusLower = log1p(-lower)
        for (index, arm) in arms.enumerated() where index != leader {
            let counts = arm.posteriorCounts
            let s = Double(counts.successes)
            let f = Double(counts.failures)
            // lower > upperⱼ ⟺ lower lies above p̂ⱼ and outside CSⱼ (CSⱼ is an interval around p̂ⱼ,
            // since ln M is convex).
            guard lower * (s + f) > s else { return nil }
            let logM = SpecialFunctions.logBeta(1 + s, 1 + f) - s * logLower - f * logOneMinusLower
            guard logM > logThreshold else { return nil }
        }
        return leader
    }

    /// The bounds of every arm's confidence sequence as the rule uses them (level 1 − α/K),
    /// for display beside the decision.
    public func confidenceSequences(_ arms: [ArmCounts]) -> [(lower: Double, upper: Double)] {
        let level = 1 - significance / Double(max(arms.count, 1))
        return arms.map { arm in
            let counts = arm.posteriorCounts
            return confidenceSequence(
                successes: counts.successes, trials: counts.successes + counts.failures, level: level)
        }
    }

    /// The Beta(1, 1)-mixture confidence sequence for one Bernoulli rate at confidence `level`
    /// (e.g. 0.95): with probability ≥ level it contains the true rate at every sample size at
    /// once. (0, 1) for no trials. The bounds err outward (by about 1e-13 relative).
    public func confidenceSequence(successes: Int, trials: Int, level: Double) -> (lower: Double, upper: Double) {
        guard trials > 0, level > 0 else { return (0, 1) }
        guard level < 1 else { return (0, 1) }
        let s = Double(min(max(0, successes), trials))
        let f = Double(trials) - s
        let logThreshold = -log1p(-level)
        let lower = Self.lowerBound(successes: s, failures: f, logThreshold: logThreshold)
        let upper = 1 - Self.lowerBound(successes: f, failures: s, logThreshold: logThreshold)
        return (lower, upper)
    }

    /// The lower end of { p : ln M(p) < logThreshold }, or slightly below it; 0 without successes.
    /// The upper end is 1 − lowerBound(failures, successes) by the symmetry p ↔ 1 − p.
    ///
    /// In u = ln p, h(u) = ln B(1+S, 1+F) − S·u − F·ln(1 − eᵘ) − logThreshold is convex and
    /// decreasing up to u = ln p̂, where h < 0 (M(p̂) ≤ 1 < threshold). Newton's method started
    /// on the left of the root therefore stays on the left (tangents of a convex function lie
    /// below it) and converges monotonically: each iterate is a valid, conservative bound.
    /// A bisection step replaces any Newton step that leaves the bracket.
    static func lowerBound(successes s: Double, failures f: Double, logThreshold: Double) -> Double {
        guard s > 0 else { return 0 }
        let constant = SpecialFunctions.logBeta(1 + s, 1 + f) - logThreshold
        func h(_ u: Double) -> Double {
            constant - s * u - (f == 0 ? 0 : f * log1p(-exp(u)))
        }
        var outside = log(Double.leastNormalMagnitude)  // h ≥ 0 here: outside the sequence
        var inside = log(s / (s + f))  // h < 0 here
        guard h(outside) >= 0 else { return 0 }
        guard logThreshold > 0, h(inside) < 0 else { return exp(inside) }
        var u = outside
        var newtonStep = false
        for _ in 0..<100 {
            let e = exp(u)
            let value = constant - s * u - (f == 0 ? 0 : f * log1p(-e))
            // In exact arithmetic a Newton step never lands inside; when it does, u is the root
            // to rounding error.
            if value < 0 && newtonStep { break }
            if value >= 0 {
                outside = u
            } else {
                inside = u
            }
            let slope = -s + (f == 0 ? 0 : f * e / (1 - e))
            var next = u - value / slope
            newtonStep = next > outside && next < inside
            if !newtonStep {
                next = 0.5 * (outside + inside)
            }
            let converged = abs(next - u) <= 1e-14 * max(1, abs(u))
            u = next
            if converged || inside - outside <= 1e-14 * max(1, abs(outside)) { break }
        }
        // u is the root to rounding error; return the nearest point certified to lie outside
        // the sequence (h ≥ 0), so the bound errs outward, never inward.
        var step = 4e-15 * max(1, abs(u))
        var candidate = u
        for _ in 0..<60 {
            if candidate <= outside { break }
            if h(candidate) >= 0 { return exp(candidate) }
            candidate = u - step
            step *= 2
        }
        return exp(outside)
    }
}
