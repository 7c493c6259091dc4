#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The anytime-valid test behind a guardrail: does an arm's bad-event rate (its share of 5xx
/// answers, or of slow requests) exceed the control's by MORE than a threshold δ?
///
///     H0: p_A − p_C ≤ δ    against    H1: p_A − p_C > δ    (δ an absolute difference)
///
/// It may be checked after every batch of requests, forever, under any allocation of
/// requests to arms that depends only on the past: it trips wrongly with probability at most
/// `significance` over the arm's whole life. It is made of two tests, each given half of it.
///
/// ## Against the control: a mixture SPRT on d − δ
///
/// d = p̂_A − p̂_C. As in `DifferenceTest`, the estimates at successive looks have, to the
/// normal approximation, the canonical joint distribution Cov(d_j, d_k) = V_k for looks
/// j ≤ k, with V = p_A(1 − p_A)/n_A + p_C(1 − p_C)/n_C (it holds for any nesting of samples).
/// So S = (d − δ)/V is a Brownian motion of drift θ − δ (θ = p_A − p_C) in the information
/// time I = 1/V, and for every η > 0, exp(ηS − η²I/2) is a martingale of mean 1 when θ = δ
/// and a supermartingale when θ < δ (its drift term η(θ − δ)I is ≤ 0). Mixing η over a
/// half-normal prior of scale τ gives exactly `DifferenceTest`'s Λ with d − δ in place of d,
/// a non-negative supermartingale of mean ≤ 1 on all of H0; by Ville's inequality it ever
/// reaches 2/α with probability ≤ α/2.
///
/// V is taken at the rates that best explain the data ON the boundary p_A = p_C + δ, where
/// H0 is hardest to reject: the constrained maximum-likelihood rates of Farrington & Manning's
/// (1990) score test for a risk difference with a margin. At δ = 0 they are the pooled rate,
/// `DifferenceTest`'s variance. Observed rates would do worse here: with rare events an arm
/// whose few errors came late has a tiny observed variance and looks certain; the constrained
/// rates keep p_A ≥ δ, so V ≥ δ(1 − δ)/n_A.
///
/// What is asymptotic: the normal increments (errors are rare, so the counts are skewed
/// Poisson-like at small n) and the estimated V in place of the true one. `minRequests` on
/// both sides keeps the test from looking at a handful of requests, and the suite's
/// simulations (`GuardrailSimulationTests`) measure the false-trip rate at the boundary
/// itself, rates 0.3% → 1.3% and 2% → 3%, checked after every ten requests.
///
/// τ = `tauPerThreshold`·δ = 4δ: the mixture is most powerful for excesses over δ near τ,
/// and an arm that breaks the site typically errs several times δ more than the control;
/// in simulation 4δ trips an arm at 5% (control 0.3%, δ = 1 point) in fewer requests than
/// δ or 2δ, and one at 20% as soon as `minRequests` allows.
///
/// ## Outright, when the control has too few requests: a beta mixture on p_A − δ
///
/// Then H0: p_A ≤ δ, with Λ = ∫ L(p)/L(δ) π(dp), L the Bernoulli likelihood of the arm's
/// requests and π uniform on (δ, 1). For each p > δ one request multiplies L(p)/L(δ) by
/// p/δ with probability q (its true rate) and by (1 − p)/(1 − δ) otherwise: in expectation by
/// q·p/δ + (1 − q)(1 − p)/(1 − δ), which is 1 at q = δ and grows with q. So each factor, and
/// their mixture, is a supermartingale of mean ≤ 1 whenever q ≤ δ, and Ville's inequality
/// bounds the probability that Λ ever reaches 2/α by α/2. This one is exact: no
/// approximation, only the assumption that requests err independently given the rate.
///
/// ## Together
///
/// The arm trips when the test in use reaches 2/α. Whenever p_A − p_C ≤ δ the comparison
/// ever trips with probability ≤ α/2; whenever p_A ≤ δ the outright test does with
/// probability ≤ α/2; p_A ≤ δ implies both, so such an arm trips with probability ≤ α by the
/// union bound, whichever test looks at which time. An arm within δ of the control whose own
/// rate exceeds δ can trip only outright, only while the control has too few requests: with
/// no usable control, that is what the threshold means.
///
/// ## Outside the guarantee
///
/// - Independence. Both tests take their units (requests) as independent given the rates.
///   Requests of one session are not: a broken page fails all its assets, a user retries.
///   In simulation, identical arms at 2% whose errors come in whole sessions of ten
///   requests trip in 40% of runs counted per request, and in 0.5% counted per session
///   (`GuardrailClusteredSimulationTests`). The test takes any `Count`; count sessions that
///   saw an error among sessions where that matters.
/// - Constant rates. A rate that changes over time while the split of traffic between the
///   arms changes too (a bandit moving sessions) can make one arm's average look worse;
///   under a fixed split, a change that hits both arms alike cancels.
public struct GuardrailTest: Sendable, Equatable {
    /// δ: the largest excess of the arm's rate over the control's (or, with no usable control,
    /// the largest rate) that is acceptable, in rate units (0.01 = one percentage point).
    public let threshold: Double
    /// The probability, at most, that this test ever trips an arm that is within the threshold.
    public let significance: Double
    /// Requests the arm (and, for the comparison, the control) needs before the test looks.
    public let minRequests: Int

    /// τ = tauPerThreshold · δ, the scale of the mixture against the control.
    public static let tauPerThreshold = 4.0

    /// `significance` is clamped into (0, 1) and `threshold` into (0, 1).
    public init(threshold: Double, significance: Double, minRequests: Int) {
        self.threshold = threshold.isNaN ? 0.5 : min(max(threshold, 1e-9), 1 - 1e-9)
        self.significance = significance.isNaN ? 0.05 : min(max(significance, 1e-300), 1 - 1e-12)
        self.minRequests = max(1, minRequests)
    }

    /// Bad events among requests, for one arm and one kind of event.
    public struct Count: Sendable, Equatable {
        /// Requests answered 5xx (or slower than `slowMs`).
        public var events: Int
        /// Requests counted.
        public var requests: Int

        /// A count of `events` among `requests`.
        public init(events: Int, requests: Int) {
            self.events = events
            self.requests = requests
        }

        /// events / requests; 0 without requests.
        public var rate: Double { requests == 0 ? 0 : Double(events) / Double(requests) }
    }

    /// Which test a verdict comes from.
    public enum Basis: String, Sendable, Equatable {
        /// The arm has fewer than `minRequests` requests: no test looks yet.
        case tooFewRequests
        /// The arm's rate against the control's plus δ.
        case comparedWithControl
        /// The arm's rate against δ, the control having fewer than `minRequests` requests.
        case outright
    }

    /// What the counts say, with the figures to show.
    public struct Verdict: Sendable, Equatable {
        /// Which test looked.
        public var basis: Basis
        /// The arm's observed rate.
        public var armRate: Double
        /// The control's observed rate, when the arm was compared with it.
        public var controlRate: Double?
        /// δ.
        public var threshold: Double
        /// ln Λ of the test that looked; −∞ when none did.
        public var logEvidence: Double
        /// ln(2/α): where the test trips.
        public var logTripThreshold: Double

        /// The arm exceeds the threshold, with the confidence asked for.
        public var tripped: Bool { basis != .tooFewRequests && logEvidence >= logTripThreshold }
        /// The evidence as a share of what a trip needs (1 or more trips), for a progress bar.
        public var evidence: Double { exp(min(0, logEvidence - logTripThreshold)) }
    }

    /// The verdict on `arm` given the `control`'s counts of the same kind of event.
    public func verdict(arm: Count, control: Count) -> Verdict {
        // Half of α for each of the two tests (see "Together").
        let logTripThreshold = log(2 / significance)
        var verdict = Verdict(
            basis: .tooFewRequests, armRate: arm.rate, controlRate: nil, threshold: threshold,
            logEvidence: -.infinity, logTripThreshold: logTripThreshold)
        guard arm.requests >= minRequests else { return verdict }
        if control.requests >= minRequests {
            verdict.basis = .comparedWithControl
            verdict.controlRate = control.rate
            verdict.logEvidence = Self.logEvidenceAgainstControl(
                arm: arm, control: control, threshold: threshold, tau: Self.tauPerThreshold * threshold)
        } else {
            verdict.basis = .outright
            verdict.logEvidence = Self.logEvidenceOutright(arm: arm, threshold: threshold)
        }
        return verdict
    }

    /// ln Λ of "the arm's rate exceeds the control's by more than `threshold`": the half-normal
    /// mixture SPRT of scale `tau` on d − δ, at the variance of the boundary's constrained rates.
    public static func logEvidenceAgainstControl(arm: Count, control: Count, threshold: Double, tau: Double)
        -> Double
    {
        guard arm.requests > 0, control.requests > 0, tau > 0, threshold > 0, threshold < 1 else {
            return -.infinity
        }
        let controlRate = boundaryControlRate(arm: arm, control: control, threshold: threshold)
        let armRate = controlRate + threshold
        let variance =
            armRate * (1 - armRate) / Double(arm.requests) + controlRate * (1 - controlRate) / Double(control.requests)
        guard variance > 0 else { return -.infinity }
        return DifferenceTest.logEvidence(difference: arm.rate - control.rate - threshold, variance: variance, tau: tau)
    }

    /// The control's rate c that maximizes the likelihood of both arms' counts under
    /// p_A = c + δ, for c in [0, 1 − δ] (Farrington & Manning 1990).
    ///
    /// The log-likelihood is concave in c (a sum of logarithms of linear functions), so its
    /// slope falls: the maximum is where the slope crosses 0, or at an end of the interval when
    /// it does not. Newton's method on the slope, kept inside a bracket that bisection narrows
    /// whenever a step would leave it, finds it in a handful of steps (closed forms exist, the
    /// roots of a cubic, but need care at the ends). Terms with a zero count are left out
    /// (0·ln 0 = 0).
    static func boundaryControlRate(arm: Count, control: Count, threshold δ: Double) -> Double {
        let armEvents = Double(arm.events)
        let armOthers = Double(arm.requests - arm.events)
        let controlEvents = Double(control.events)
        let controlOthers = Double(control.requests - control.events)
        var low = 0.0
        var high = 1 - δ
        // At the ends the terms that grow without bound are absent when their count is 0: the
        // slope there is finite, and if it already points outwards the maximum is at that end.
        if controlEvents == 0 && armEvents / δ - armOthers / (1 - δ) - controlOthers <= 0 { return low }
        if armOthers == 0 && armEvents + controlEvents / (1 - δ) - controlOthers / δ >= 0 { return high }
        // Start inside the bracket, from the boundary's moment estimate or the control's events
        // over all requests, whichever is larger (the first is negative when the arm errs less
        // than δ): on 5,000 random counts this takes 4 steps on average and 12 at most.
        let requests = Double(arm.requests + control.requests)
        let moment = (armEvents + controlEvents - δ * Double(arm.requests)) / requests
        var c = min(max(moment, controlEvents / requests, 1e-9 * high), high * (1 - 1e-9))
        for _ in 0..<200 {
            var slope = 0.0
            var curvature = 0.0
            if armEvents > 0 {
                slope += armEvents / (c + δ)
                curvature -= armEvents / ((c + δ) * (c + δ))
            }
            if armOthers > 0 {
                slope -= armOthers / (1 - c - δ)
                curvature -= armOthers / ((1 - c - δ) * (1 - c - δ))
            }
            if controlEvents > 0 {
                slope += controlEvents / c
                curvature -= controlEvents / (c * c)
            }
            if controlOthers > 0 {
                slope -= controlOthers / (1 - c)
                curvature -= controlOthers / ((1 - c) * (1 - c))
            }
            if slope > 0 { low = c } else if slope < 0 { high = c } else { return c }
            let next = c - slope / curvature
            // Converged: a step below 1e-12 of the rate (rounding in the slope's sum keeps
            // smaller steps from shrinking further). Checked before the bracket, which such a
            // step may graze.
            if abs(next - c) <= 1e-12 * c { return min(max(next, low), high) }
            c = next > low && next < high ? next : (low + high) / 2
            if high - low <= 1e-15 { return c }
        }
        return c
    }

    /// ln Λ of "the arm's rate exceeds `threshold`": its Bernoulli likelihood mixed over rates
    /// uniform on (δ, 1), against its likelihood at rate δ.
    ///
    ///     Λ = B(1 + x, 1 + n − x) · P(Beta(1 + x, 1 + n − x) > δ) / ((1 − δ) · δ^x (1 − δ)^(n − x))
    public static func logEvidenceOutright(arm: Count, threshold δ: Double) -> Double {
        guard arm.requests > 0, δ > 0, δ < 1 else { return -.infinity }
        let a = 1 + Double(arm.events)
        let b = 1 + Double(arm.requests - arm.events)
        // P(Beta(a, b) > δ) = I_{1−δ}(b, a), computed on the side where it is accurate.
        let logUpperTail = SpecialFunctions.logRegularizedIncompleteBeta(1 - δ, a: b, b: a)
        return SpecialFunctions.logBeta(a, b) + logUpperTail - log1p(-δ)
            - (a - 1) * log(δ) - (b - 1) * log1p(-δ)
    }
}
