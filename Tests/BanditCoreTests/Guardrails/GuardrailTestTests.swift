import Testing

@testable import BanditCore

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The guardrail test on fixed counts. Reference values were computed independently with
/// Python: the outright test's Λ by mpmath quadrature of ∫_δ^1 p^x (1 − p)^(n − x) dp at
/// 40 digits, the boundary's constrained rates by scipy's bounded scalar minimisation of the
/// negative log-likelihood.
@Suite struct GuardrailTestTests {
    static let test = GuardrailTest(threshold: 0.01, significance: 0.05, minRequests: 50)

    static func count(_ events: Int, of requests: Int) -> GuardrailTest.Count {
        GuardrailTest.Count(events: events, requests: requests)
    }

    // MARK: behaviour

    @Test func identicalRatesDoNotTripAtLargeCounts() {
        // 0.3% and 2% on both sides, up to a million requests each: nowhere near "worse by a point".
        for rate in [0.003, 0.02] {
            for requests in [1_000, 100_000, 1_000_000] {
                let events = Int(rate * Double(requests))
                let verdict = Self.test.verdict(
                    arm: Self.count(events, of: requests), control: Self.count(events, of: requests))
                #expect(verdict.basis == .comparedWithControl)
                #expect(!verdict.tripped, "rate \(rate), \(requests) requests")
                #expect(verdict.evidence < 0.01)
            }
        }
        // With a small threshold too: identical rates never exceed the control by 0.1 point.
        let strict = GuardrailTest(threshold: 0.001, significance: 0.05, minRequests: 50)
        #expect(
            !strict.verdict(arm: Self.count(20_000, of: 1_000_000), control: Self.count(20_000, of: 1_000_000)).tripped)
    }

    @Test func aBrokenArmTripsQuickly() {
        // 20% 5xx against 0.3%: tripped with 100 requests each, and an arm that fails every
        // request trips at exactly the minimum, not one request before.
        #expect(Self.test.verdict(arm: Self.count(20, of: 100), control: Self.count(0, of: 100)).tripped)
        #expect(Self.test.verdict(arm: Self.count(50, of: 50), control: Self.count(0, of: 50)).tripped)
        let early = Self.test.verdict(arm: Self.count(49, of: 49), control: Self.count(0, of: 49))
        #expect(early.basis == .tooFewRequests)
        #expect(!early.tripped)
    }

    @Test func neverTripsBeforeMinRequests() {
        for requests in 1..<50 {
            for control in [0, 49, 10_000] {
                let verdict = Self.test.verdict(
                    arm: Self.count(requests, of: requests), control: Self.count(0, of: control))
                #expect(!verdict.tripped)
                #expect(verdict.basis == .tooFewRequests)
                #expect(verdict.evidence == 0)
            }
        }
    }

    @Test func oneEarlyErrorDoesNotTrip() {
        // The first 5xx of an arm, at the minimum, against a control with none, and outright.
        #expect(!Self.test.verdict(arm: Self.count(1, of: 50), control: Self.count(0, of: 50)).tripped)
        #expect(!Self.test.verdict(arm: Self.count(1, of: 50), control: Self.count(0, of: 0)).tripped)
        #expect(!Self.test.verdict(arm: Self.count(2, of: 50), control: Self.count(0, of: 500)).tripped)
    }

    @Test func anArmWorseByLessThanTheThresholdDoesNotTrip() {
        // 0.9 points worse than a 0.3% control, up to a million requests each: the evidence
        // falls as counts grow (slowly: a one-sided mixture's Λ on the wrong side of the boundary
        // decays like 1/(|z|·√n), not exponentially). 1.3 points worse trips.
        var previous = Double.infinity
        for requests in [10_000, 100_000, 1_000_000] {
            let n = Double(requests)
            let verdict = Self.test.verdict(
                arm: Self.count(Int(0.012 * n), of: requests), control: Self.count(Int(0.003 * n), of: requests))
            #expect(!verdict.tripped)
            #expect(verdict.logEvidence < previous)
            previous = verdict.logEvidence
        }
        #expect(previous < -5)
        #expect(Self.test.verdict(arm: Self.count(1_600, of: 100_000), control: Self.count(300, of: 100_000)).tripped)
    }

    @Test func evidenceGrowsWithTheArmsEvents() {
        var previous = -Double.infinity
        for events in stride(from: 0, through: 100, by: 5) {
            let evidence = GuardrailTest.logEvidenceAgainstControl(
                arm: Self.count(events, of: 1_000), control: Self.count(3, of: 1_000), threshold: 0.01, tau: 0.04)
            #expect(evidence > previous)
            previous = evidence
        }
        previous = -Double.infinity
        for events in stride(from: 0, through: 100, by: 5) {
            let evidence = GuardrailTest.logEvidenceOutright(arm: Self.count(events, of: 1_000), threshold: 0.01)
            #expect(evidence > previous)
            previous = evidence
        }
    }

    @Test func theControlDecidesWhichTestLooks() {
        // A control under the minimum cannot be compared with: the arm is judged outright.
        let outright = Self.test.verdict(arm: Self.count(10, of: 100), control: Self.count(0, of: 49))
        #expect(outright.basis == .outright)
        #expect(outright.controlRate == nil)
        #expect(outright.tripped)
        let compared = Self.test.verdict(arm: Self.count(10, of: 100), control: Self.count(0, of: 50))
        #expect(compared.basis == .comparedWithControl)
        #expect(compared.controlRate == 0)
        // Compared with a control of 50 requests, whose own rate is still uncertain (0 of 50 is
        // consistent with several percent), the same arm has not shown enough yet.
        #expect(!compared.tripped)
        // Both tests get half of α: the trip threshold is ln(2/α).
        #expect(abs(compared.logTripThreshold - log(40)) < 1e-12)
        // An arm at exactly the threshold is within it, outright, however many requests.
        #expect(!Self.test.verdict(arm: Self.count(1_000, of: 100_000), control: Self.count(0, of: 0)).tripped)
    }

    // MARK: mathematics

    @Test func atAZeroThresholdTheComparisonIsTheWinnerRulesTest() {
        // At δ → 0 the boundary's constrained rate is the pooled rate, and the test is
        // DifferenceTest's mSPRT of "arm 1 is higher".
        for (x1, n1, x2, n2) in [(30, 1_000, 12, 900), (5, 200, 1, 400), (400, 2_000, 350, 2_100)] {
            let guardrail = GuardrailTest.logEvidenceAgainstControl(
                arm: Self.count(x1, of: n1), control: Self.count(x2, of: n2), threshold: 1e-12, tau: 0.02)
            let winnerRule = DifferenceTest.logEvidence(
                conversions1: x1, views1: n1, conversions2: x2, views2: n2, tau: 0.02)
            #expect(abs(guardrail - winnerRule) < 1e-6, "\(x1)/\(n1) vs \(x2)/\(n2)")
        }
    }

    @Test func boundaryRatesMaximiseTheLikelihood() {
        let cases: [(Int, Int, Int, Int, Double, Double)] = [
            (12, 1_000, 3, 1_000, 0.01, 0.002_818_270_238_134_468),
            (41, 1_000, 3, 1_000, 0.01, 0.013_225_187_393_745_81),
            (0, 500, 0, 400, 0.01, 0),
            (5, 300, 9, 2_000, 0.02, 0.004_293_656_795_172_069),
        ]
        for (xA, nA, xC, nC, threshold, expected) in cases {
            let rate = GuardrailTest.boundaryControlRate(
                arm: Self.count(xA, of: nA), control: Self.count(xC, of: nC), threshold: threshold)
            #expect(abs(rate - expected) < 1e-9, "\(xA)/\(nA) vs \(xC)/\(nC)")
        }
    }

    @Test func boundaryRatesAgreeWithBisection() {
        // On random counts, from rare events to common ones: the same rate as 100 halvings of
        // the bracket on the sign of the log-likelihood's slope.
        var rng = Xoshiro256(seed: 0x6B15)
        for _ in 0..<2_000 {
            let nA = 30 + Int(rng.next() % 100_000)
            let nC = 30 + Int(rng.next() % 100_000)
            let rates = [0, 0.001, 0.003, 0.02, 0.1, 0.3, 0.9]
            let xA = Int(Double(nA) * rates[Int(rng.next() % 7)])
            let xC = Int(Double(nC) * rates[Int(rng.next() % 7)])
            let threshold = [0.001, 0.01, 0.05, 0.2][Int(rng.next() % 4)]
            let expected = Self.bisectedBoundaryRate(xA, nA, xC, nC, threshold)
            let rate = GuardrailTest.boundaryControlRate(
                arm: Self.count(xA, of: nA), control: Self.count(xC, of: nC), threshold: threshold)
            #expect(abs(rate - expected) <= 1e-9 * max(expected, 1e-3), "\(xA)/\(nA) vs \(xC)/\(nC) at \(threshold)")
        }
    }

    /// The maximum of the boundary's log-likelihood by plain bisection on its slope's sign.
    static func bisectedBoundaryRate(_ xA: Int, _ nA: Int, _ xC: Int, _ nC: Int, _ threshold: Double) -> Double {
        let (a, b, c, d) = (Double(xA), Double(nA - xA), Double(xC), Double(nC - xC))
        var low = 0.0
        var high = 1 - threshold
        for _ in 0..<100 {
            let middle = (low + high) / 2
            var slope = 0.0
            if a > 0 { slope += a / (middle + threshold) }
            if b > 0 { slope -= b / (1 - middle - threshold) }
            if c > 0 { slope += c / middle }
            if d > 0 { slope -= d / (1 - middle) }
            if slope > 0 { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    @Test func outrightEvidenceMatchesQuadrature() {
        let cases: [(Int, Int, Double, Double)] = [
            (3, 100, 0.01, -1.827_341_629_107_5),
            (0, 1_000, 0.01, -6.908_754_779_315_22),
            (10, 200, 0.01, 5.017_892_141_977_37),
            (40, 100, 0.05, 53.552_498_965_824_5),
            // P(Beta(1, 100001) > 0.01) ≈ e^−1005 underflows; Λ = 1/(n + 1) exactly.
            (0, 100_000, 0.01, -log(100_001.0)),
        ]
        for (events, requests, threshold, expected) in cases {
            let evidence = GuardrailTest.logEvidenceOutright(
                arm: Self.count(events, of: requests), threshold: threshold)
            #expect(abs(evidence - expected) < 1e-8, "\(events)/\(requests) at \(threshold)")
        }
    }
}
