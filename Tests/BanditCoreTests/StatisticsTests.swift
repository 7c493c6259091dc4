import Testing

@testable import BanditCore

#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Reference values were computed independently with Python (mpmath at 40 digits, scipy 1.17):
/// Wilson bounds from the textbook formula with z = √2·erfinv(confidence), quantiles from
/// erfinv, P(B > A) by adaptive quadrature of I_x(αA, βA)·f_B(x), and confidence-sequence
/// bounds by bisection on ln B(1+S, 1+F) − S ln p − F ln(1−p) = ln(1/(1−level)).
@Suite struct StatisticsTests {
    // MARK: generators

    @Test func seededGeneratorsAreReproducible() {
        var a = Xoshiro256(seed: 42)
        var b = Xoshiro256(seed: 42)
        var c = Xoshiro256(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        // SplitMix64 reference output for seed 0 (Vigna's splitmix64.c).
        var mix = SplitMix64(seed: 0)
        #expect(mix.next() == 0xE220_A839_7B1D_CDAF)
        #expect(mix.next() == 0x6E78_9E6A_A1B9_65F4)
        var unseeded1 = Xoshiro256()
        var unseeded2 = Xoshiro256()
        #expect(unseeded1.next() != unseeded2.next())
    }

    @Test func xoshiroIsUniformEnough() {
        // 16 buckets, 160,000 draws: χ² with 15 degrees of freedom; 99.99th percentile ≈ 44.3.
        var rng = Xoshiro256(seed: 7)
        var buckets = [Int](repeating: 0, count: 16)
        for _ in 0..<160_000 { buckets[Int(rng.next() >> 60)] += 1 }
        let chiSquare = buckets.reduce(0.0) { $0 + pow2(Double($1) - 10_000) / 10_000 }
        #expect(chiSquare < 44.3)
    }

    // MARK: normal distribution

    @Test(arguments: [
        (0.975, 1.959_963_984_540_054_2),
        (0.5, 0.0),
        (1e-10, -6.361_340_902_404_056_2),
        (0.999_999_9, 5.199_337_582_192_816_9),
        (0.024_25, -1.972_961_051_311_884_9),
        (0.3, -0.524_400_512_708_040_78),
    ])
    func normalQuantileMatchesReference(p: Double, expected: Double) {
        // Tolerance 1e-9 relative (the brief); the Halley step gives about 1e-15.
        let x = NormalDistribution.quantile(p)
        #expect(abs(x - expected) <= 1e-9 * max(1, abs(expected)))
    }

    @Test func normalQuantileInvertsCDF() {
        for p in stride(from: 0.0005, to: 1, by: 0.0137) {
            #expect(abs(NormalDistribution.cdf(NormalDistribution.quantile(p)) - p) < 1e-13)
        }
        #expect(NormalDistribution.quantile(0) == -.infinity)
        #expect(NormalDistribution.quantile(1) == .infinity)
        #expect(NormalDistribution.quantile(.nan).isNaN)
        #expect(abs(NormalDistribution.cdf(1.959_963_984_540_054) - 0.975) < 1e-15)
    }

    @Test func normalSamplerMoments() {
        // 200,000 draws: standard error of the mean 0.0022, of the variance 0.0032; tolerance 5 SE.
        var rng = Xoshiro256(seed: 1)
        let (mean, variance) = moments(200_000) { NormalDistribution.sample(using: &rng) }
        #expect(abs(mean) < 0.011)
        #expect(abs(variance - 1) < 0.016)
    }

    // MARK: gamma and beta samplers

    @Test(arguments: [0.3, 1.0, 2.5, 40.0])
    func gammaSamplerMoments(shape: Double) {
        // Gamma(k, 1): mean k, variance k. 100,000 draws, tolerance 5 standard errors of the mean
        // and 6% relative on the variance.
        var rng = Xoshiro256(seed: 11)
        let (mean, variance) = moments(100_000) { GammaSampler.sample(shape: shape, using: &rng) }
        #expect(abs(mean - shape) < 5 * (shape / 100_000).squareRoot())
        #expect(abs(variance / shape - 1) < 0.06)
    }

    @Test(arguments: [(2.0, 5.0), (0.5, 0.5), (1.0, 1.0), (200.0, 800.0), (0.05, 3.0)])
    func betaSamplerMoments(alpha: Double, beta: Double) {
        // Beta(a, b): mean a/(a+b), variance ab/((a+b)²(a+b+1)). 100,000 draws; tolerance 5 standard
        // errors of the mean and 5% relative on the variance.
        var rng = Xoshiro256(seed: 3)
        let (mean, variance) = moments(100_000) {
            let x = BetaSampler.sample(alpha: alpha, beta: beta, using: &rng)
            precondition(x >= 0 && x <= 1)
            return x
        }
        let s = alpha + beta
        let expectedMean = alpha / s
        let expectedVariance = alpha * beta / (s * s * (s + 1))
        #expect(abs(mean - expectedMean) < 5 * (expectedVariance / 100_000).squareRoot())
        #expect(abs(variance / expectedVariance - 1) < 0.05)
    }

    @Test func betaSamplerDegenerateShapes() {
        var rng = Xoshiro256(seed: 5)
        #expect(BetaSampler.sample(alpha: 0, beta: 2, using: &rng) == 0)
        #expect(BetaSampler.sample(alpha: 2, beta: 0, using: &rng) == 1)
        for _ in 0..<1000 {
            let x = BetaSampler.sample(alpha: 0.001, beta: 0.001, using: &rng)
            #expect(x >= 0 && x <= 1)
        }
    }

    // MARK: Wilson interval

    @Test(arguments: [
        (0, 10, 0.95, 0.0, 0.277_532_799_862_889),
        (10, 10, 0.95, 0.722_467_200_137_111, 1.0),
        (9, 120, 0.95, 0.039_957_115_395_960_3, 0.136_409_176_059_938),
        (9, 120, 0.99, 0.032_997_162_595_421_6, 0.161_537_655_706_965),
        (1, 1, 0.90, 0.269_865_948_784_054, 1.0),
        (50, 100, 0.95, 0.403_831_530_365_996, 0.596_168_469_634_004),
    ])
    func wilsonMatchesReference(successes: Int, trials: Int, confidence: Double, lower: Double, upper: Double) {
        // Tolerance 1e-12 absolute.
        let interval = WilsonInterval.interval(successes: successes, trials: trials, confidence: confidence)
        #expect(abs(interval.lower - lower) < 1e-12)
        #expect(abs(interval.upper - upper) < 1e-12)
    }

    @Test func wilsonEdgeCases() {
        #expect(WilsonInterval.interval(successes: 0, trials: 0, confidence: 0.95) == (0, 1))
        #expect(WilsonInterval.interval(successes: 0, trials: 10, confidence: 0.95).lower == 0)
        #expect(WilsonInterval.interval(successes: 10, trials: 10, confidence: 0.95).upper == 1)
        // More successes than trials is clamped rather than producing a rate above 1.
        #expect(WilsonInterval.interval(successes: 12, trials: 10, confidence: 0.95).upper == 1)
    }

    @Test func wilsonCoverageBySimulation() {
        // Exact coverage of the 95% Wilson interval (scipy, summing binomial probabilities over
        // the outcomes whose interval contains p). 3,000 simulated samples per case; each must
        // match its exact coverage within 4 standard errors (≤ 0.019), and the pooled coverage
        // must lie within 0.95 ± 0.015.
        let cases: [(n: Int, p: Double, exact: Double)] = [
            (30, 0.1, 0.9742), (30, 0.3, 0.9298), (30, 0.5, 0.9572),
            (100, 0.1, 0.9364), (100, 0.3, 0.9372), (100, 0.5, 0.9431),
            (400, 0.1, 0.9454), (400, 0.3, 0.9440), (400, 0.5, 0.9490),
        ]
        var rng = Xoshiro256(seed: 2024)
        let replicates = 3000
        var pooled = 0
        for (n, p, exact) in cases {
            var covered = 0
            for _ in 0..<replicates {
                var successes = 0
                for _ in 0..<n where UnitInterval.open(using: &rng) < p { successes += 1 }
                let interval = WilsonInterval.interval(successes: successes, trials: n, confidence: 0.95)
                if interval.lower <= p && p <= interval.upper { covered += 1 }
            }
            pooled += covered
            let coverage = Double(covered) / Double(replicates)
            let standardError = (exact * (1 - exact) / Double(replicates)).squareRoot()
            #expect(abs(coverage - exact) < 4 * standardError, "n=\(n) p=\(p): \(coverage) vs \(exact)")
        }
        let pooledCoverage = Double(pooled) / Double(replicates * cases.count)
        #expect(abs(pooledCoverage - 0.95) < 0.015)
    }

    // MARK: probability best

    @Test(arguments: [
        (10, 100, 15, 100, 0.853_283_789_933_966_13),
        (0, 0, 0, 0, 0.5),
        (3, 10, 1, 10, 0.155_388_471_177_944_86),
        (100, 1000, 120, 1000, 0.923_183_438_973_559_75),
        (40, 400, 50, 380, 0.915_493_763_571_994_28),
    ])
    func twoArmProbabilityMatchesReference(c1: Int, n1: Int, c2: Int, n2: Int, expected: Double) {
        // Tolerance 1e-10 absolute.
        let p = ProbabilityBest.estimate([ArmCounts(views: n1, conversions: c1), ArmCounts(views: n2, conversions: c2)])
        #expect(p.count == 2)
        #expect(abs(p[1] - expected) < 1e-10)
        #expect(abs(p[0] + p[1] - 1) < 1e-15)
    }

    @Test func twoArmMethodsAgree() {
        // Every branch of the closed-form sum (the four symmetries) and the numerical integration,
        // forced on moderate counts, agree to 1e-8. (The floor is log-gamma cancellation: the first
        // term's logarithm is a difference of ln Γ values near 4e6, exact to about 1e-9.)
        let cases: [(Double, Double, Double, Double)] = [
            (101, 901, 121, 881), (3001, 7001, 2901, 7101), (5001, 5001, 5101, 4901),
            (20_001, 180_001, 20_401, 179_601), (800, 300, 820, 290),
        ]
        for (a1, b1, a2, b2) in cases {
            let exact = ProbabilityBest.probabilitySecondIsGreater(alphaA: a1, betaA: b1, alphaB: a2, betaB: b2)
            let integrated = ProbabilityBest.integrated(alphaA: a1, betaA: b1, alphaB: a2, betaB: b2)
            let direct = ProbabilityBest.closedFormSum(alphaA: a1, betaA: b1, alphaB: a2, betaB: b2)
            let swapped = 1 - ProbabilityBest.closedFormSum(alphaA: a2, betaA: b2, alphaB: a1, betaB: b1)
            #expect(abs(exact - integrated) < 1e-8, "\((a1, b1, a2, b2)): \(exact) vs \(integrated)")
            #expect(abs(exact - direct) < 1e-8)
            #expect(abs(exact - swapped) < 1e-8)
        }
    }

    @Test func twoArmLargeCountsUseIntegration() {
        // Above 200,000 per parameter: symmetric arms give 0.5; clearly separated arms give ~0/1;
        // 300,000 vs 303,000 conversions of 3,000,000 matches scipy (trapezoid over 20,001 points
        // of beta.pdf · beta.sf: 0.9999768391516972) within 1e-9.
        let big = ArmCounts(views: 3_000_000, conversions: 300_000)
        #expect(abs(ProbabilityBest.estimate([big, big])[1] - 0.5) < 1e-9)
        let better = ArmCounts(views: 3_000_000, conversions: 303_000)
        #expect(abs(ProbabilityBest.estimate([big, better])[1] - 0.999_976_839_151_697_2) < 1e-9)
        #expect(ProbabilityBest.estimate([big, ArmCounts(views: 3_000_000, conversions: 330_000)])[1] > 1 - 1e-12)
    }

    @Test func probabilityBestShapes() {
        #expect(ProbabilityBest.estimate([]) == [])
        #expect(ProbabilityBest.estimate([ArmCounts(views: 5, conversions: 1)]) == [1])
        let equal = ArmCounts(views: 500, conversions: 50)
        let twoEqual = ProbabilityBest.estimate([equal, equal])
        #expect(abs(twoEqual[0] - 0.5) < 1e-12)
        let clear = ProbabilityBest.estimate([
            ArmCounts(views: 1000, conversions: 100), ArmCounts(views: 1000, conversions: 200),
        ])
        #expect(clear[1] > 0.999_999)
    }

    @Test func monteCarloAgreesWithExactForTwoArms() {
        // 20,000 draws: standard error ≤ 0.0036; tolerance 0.015 (> 4 SE).
        let arms = [ArmCounts(views: 100, conversions: 10), ArmCounts(views: 100, conversions: 15)]
        let exact = ProbabilityBest.estimate(arms)
        let simulated = ProbabilityBest.monteCarlo(arms, draws: 20_000, seed: 0x5EED)
        #expect(abs(simulated[1] - exact[1]) < 0.015)
        #expect(abs(simulated.reduce(0, +) - 1) < 1e-12)
    }

    @Test func monteCarloForThreeArms() {
        // Three equal arms: each ≈ 1/3 within 0.015 (SE 0.0033). Sums to 1; seeded, so repeatable.
        let equal = ArmCounts(views: 300, conversions: 30)
        let p = ProbabilityBest.estimate([equal, equal, equal])
        #expect(p.count == 3)
        for value in p { #expect(abs(value - 1.0 / 3) < 0.015) }
        #expect(abs(p.reduce(0, +) - 1) < 1e-12)
        #expect(p == ProbabilityBest.estimate([equal, equal, equal]))
        let clear = ProbabilityBest.estimate([equal, ArmCounts(views: 300, conversions: 90), equal])
        #expect(clear[1] > 0.999)
        // Degenerate posteriors tie exactly only in theory; zero views still split evenly.
        let empty = ProbabilityBest.estimate([ArmCounts(), ArmCounts(), ArmCounts()], draws: 3000)
        for value in empty { #expect(abs(value - 1.0 / 3) < 0.04) }
    }

    // MARK: special functions

    @Test func logGammaMatchesFactorials() {
        var logFactorial = 0.0
        for n in 1...170 {
            #expect(abs(SpecialFunctions.logGamma(Double(n)) - logFactorial) < 1e-12 * max(1, logFactorial))
            logFactorial += log(Double(n))
        }
        // ln Γ(0.5) = ln √π.
        #expect(abs(SpecialFunctions.logGamma(0.5) - 0.572_364_942_924_700_087_07) < 1e-14)
    }

    // MARK: helpers

    private func moments(_ count: Int, _ draw: () -> Double) -> (mean: Double, variance: Double) {
        var mean = 0.0
        var m2 = 0.0
        for index in 1...count {
            let x = draw()
            let delta = x - mean
            mean += delta / Double(index)
            m2 += delta * (x - mean)
        }
        return (mean, m2 / Double(count - 1))
    }

    private func pow2(_ x: Double) -> Double { x * x }
}

@Suite struct IntervalOverlapRuleTests {
    let rule = IntervalOverlapRule(significance: 0.05, minViews: 100)

    @Test(arguments: [
        (30, 200, 0.95, 0.078_187_115_931_559_2, 0.248_158_878_331_566),
        (0, 50, 0.95, 0.0, 0.129_381_289_091_508),
        (1, 1000, 0.975, 2.497_564_812_647_51e-8, 0.013_096_656_977_946_2),
        (500, 1000, 0.975, 0.441_390_784_030_573, 0.558_609_215_969_427),
    ])
    func confidenceSequenceMatchesReference(successes: Int, trials: Int, level: Double, lower: Double, upper: Double) {
        // Tolerance 1e-10 relative; the bounds may only err outward.
        let cs = rule.confidenceSequence(successes: successes, trials: trials, level: level)
        #expect(abs(cs.lower - lower) <= 1e-10 * lower)
        #expect(abs(cs.upper - upper) <= 1e-10 * upper)
        #expect(cs.lower <= lower * (1 + 1e-15) && cs.upper >= upper * (1 - 1e-15))
    }

    @Test func confidenceSequenceClosedFormAtTheEdges() {
        // All successes: M(p) = 1 / ((n+1) pⁿ), so lower = ((1 − level) / (n+1))^(1/n); by symmetry
        // the upper bound with no successes is 1 − that.
        for n in [1, 7, 100, 2000, 1_000_000] {
            let level = 0.99
            let edge = exp(log((1 - level) / Double(n + 1)) / Double(n))
            let all = rule.confidenceSequence(successes: n, trials: n, level: level)
            let none = rule.confidenceSequence(successes: 0, trials: n, level: level)
            #expect(abs(all.lower - edge) < 1e-12 && all.upper == 1)
            #expect(none.lower == 0 && abs(none.upper - (1 - edge)) < 1e-12)
        }
        #expect(rule.confidenceSequence(successes: 0, trials: 0, level: 0.95) == (0, 1))
    }

    @Test func confidenceSequenceIsWiderThanWilson() {
        // The price of validity at all times: wider than the fixed-n interval, still around p̂.
        for (s, n) in [(5, 50), (90, 1000), (700, 1000), (12_000, 100_000)] {
            let cs = rule.confidenceSequence(successes: s, trials: n, level: 0.95)
            let wilson = WilsonInterval.interval(successes: s, trials: n, confidence: 0.95)
            let pHat = Double(s) / Double(n)
            #expect(cs.lower < wilson.lower && wilson.upper < cs.upper)
            #expect(cs.lower < pHat && pHat < cs.upper)
        }
    }

    @Test func noWinnerBelowMinViews() {
        let arms = [ArmCounts(views: 40, conversions: 0), ArmCounts(views: 40, conversions: 40)]
        #expect(IntervalOverlapRule(significance: 0.05, minViews: 81).winner(arms) == nil)
        #expect(IntervalOverlapRule(significance: 0.05, minViews: 80).winner(arms) == 1)
    }

    @Test func findsAnObviousWinner() {
        let worse = ArmCounts(views: 2000, conversions: 200)
        let better = ArmCounts(views: 2000, conversions: 600)
        #expect(rule.winner([worse, better]) == 1)
        #expect(rule.winner([better, worse]) == 0)
        #expect(rule.winner([worse, better, worse]) == 1)
        // A winner must beat every arm, not just one.
        #expect(rule.winner([worse, better, ArmCounts(views: 2000, conversions: 590)]) == nil)
    }

    @Test func neverDeclaresOnEqualCounts() {
        for views in stride(from: 0, through: 20_000, by: 997) {
            for conversions in stride(from: 0, through: views, by: max(1, views / 13)) {
                let arm = ArmCounts(views: views, conversions: conversions)
                #expect(rule.winner([arm, arm]) == nil)
                #expect(rule.winner([arm, arm, arm]) == nil)
            }
        }
    }

    @Test func fewerThanTwoArmsHaveNoWinner() {
        #expect(rule.winner([]) == nil)
        #expect(rule.winner([ArmCounts(views: 5000, conversions: 5000)]) == nil)
        #expect(rule.winner([ArmCounts(views: 5000, conversions: 100), ArmCounts()]) == nil)
    }

    @Test func winnerAgreesWithTheSequences() {
        // winner(_:) decides without computing every bound; it must agree with the displayed
        // sequences (level 1 − α/K) wherever they are not within 1e-9 of touching.
        var rng = Xoshiro256(seed: 21)
        var decided = 0
        for _ in 0..<3000 {
            let count = Int.random(in: 2...4, using: &rng)
            let arms = (0..<count).map { _ in
                let views = Int.random(in: 0...3000, using: &rng)
                let rate = Double.random(in: 0...0.4, using: &rng)
                return ArmCounts(views: views, conversions: Int(Double(views) * rate))
            }
            let bounds = rule.confidenceSequences(arms)
            let expected = arms.indices.first { i in
                arms.indices.allSatisfy { j in j == i || bounds[i].lower > bounds[j].upper + 1e-9 }
            }
            let nearTouch = arms.indices.contains { i in
                arms.indices.contains { j in j != i && abs(bounds[i].lower - bounds[j].upper) <= 1e-9 }
            }
            let total = arms.reduce(0) { $0 + $1.views }
            if total >= 100 && !nearTouch {
                #expect(rule.winner(arms) == expected, "\(arms)")
                if expected != nil { decided += 1 }
            }
        }
        #expect(decided > 100)
    }

    @Test func smallerSignificanceNeedsMoreEvidence() {
        let arms = [ArmCounts(views: 1000, conversions: 100), ArmCounts(views: 1000, conversions: 200)]
        #expect(IntervalOverlapRule(significance: 0.2, minViews: 100).winner(arms) == 1)
        #expect(IntervalOverlapRule(significance: 1e-6, minViews: 100).winner(arms) == nil)
    }
}
