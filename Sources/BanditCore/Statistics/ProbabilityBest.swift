#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The probability that each arm has the highest conversion rate, under independent
/// Beta(1 + conversions, 1 + failures) posteriors (uniform priors).
///
/// This is a description of the current evidence for the dashboard, not a stopping rule:
/// "stop when P(best) > 0.95", checked continuously, is not calibrated. `WinnerRule` decides.
public enum ProbabilityBest {
    /// One probability per arm, summing to 1; [] for no arms and [1] for one.
    ///
    /// Two arms are computed exactly (to about 1e-12 for thousands of views, 1e-9 for millions,
    /// where log-gamma cancellation sets the floor): the closed-form sum of Evan Miller's
    /// "Formulas for Bayesian A/B testing" over the smallest of the four Beta parameters, or,
    /// when every parameter exceeds 200,000, trapezoidal integration of one density against the
    /// other's distribution function. Three or more arms use `draws` seeded Monte Carlo draws
    /// (standard error ≤ 0.5/√draws per arm); exact ties split evenly.
    public static func estimate(_ arms: [ArmCounts], draws: Int = 20_000, seed: UInt64 = 0x5EED) -> [Double] {
        switch arms.count {
        case 0: return []
        case 1: return [1]
        case 2:
            let a = arms[0].posteriorCounts
            let b = arms[1].posteriorCounts
            let pSecond = probabilitySecondIsGreater(
                alphaA: 1 + Double(a.successes), betaA: 1 + Double(a.failures),
                alphaB: 1 + Double(b.successes), betaB: 1 + Double(b.failures))
            return [1 - pSecond, pSecond]
        default:
            return monteCarlo(arms, draws: max(1, draws), seed: seed)
        }
    }

    // MARK: two arms

    /// Beyond this many terms the exact sum gives way to numerical integration.
    static let exactSumLimit = 200_000.0

    /// P(X_B > X_A) for X_A ~ Beta(alphaA, betaA), X_B ~ Beta(alphaB, betaB), integer
    /// parameters ≥ 1.
    static func probabilitySecondIsGreater(
        alphaA: Double, betaA: Double, alphaB: Double, betaB: Double, exactSumLimit: Double = exactSumLimit
    ) -> Double {
        // Four ways to write the same probability; each sums as many terms as one parameter.
        //   P(B > A)                         sums alphaB terms
        //   1 − P(A > B)                     sums alphaA terms
        //   P(1 − A > 1 − B), 1−A ~ Beta(betaA, alphaA) in the role of B    sums betaA terms
        //   1 − P(1 − B > 1 − A)             sums betaB terms
        let smallest = min(alphaA, alphaB, betaA, betaB)
        let p: Double
        if smallest > exactSumLimit {
            p = integrated(alphaA: alphaA, betaA: betaA, alphaB: alphaB, betaB: betaB)
        } else if smallest == alphaB {
            p = closedFormSum(alphaA: alphaA, betaA: betaA, alphaB: alphaB, betaB: betaB)
        } else if smallest == alphaA {
            p = 1 - closedFormSum(alphaA: alphaB, betaA: betaB, alphaB: alphaA, betaB: betaA)
        } else if smallest == betaA {
            p = closedFormSum(alphaA: betaB, betaA: alphaB, alphaB: betaA, betaB: alphaA)
        } else {
            p = 1 - closedFormSum(alphaA: betaA, betaA: alphaA, alphaB: betaB, betaB: alphaB)
        }
        return min(1, max(0, p))
    }

    /// P(X_B > X_A) = Σ_{i=0}^{αB−1} B(αA+i, βA+βB) / ((βB+i) B(1+i, βB) B(αA, βA)), αB an integer.
    ///
    /// Term i+1 is term i times (αA+i)(βB+i) / ((αA+βA+βB+i)(1+i)), so only the first term needs
    /// log-gamma; all terms are positive (no cancellation). The running value is rescaled so
    /// neither an underflowing first term nor a huge growth along the way loses precision.
    static func closedFormSum(alphaA: Double, betaA: Double, alphaB: Double, betaB: Double) -> Double {
        // ln t₀ = ln B(αA, βA+βB) − ln βB − ln B(1, βB) − ln B(αA, βA), and ln B(1, βB) = −ln βB.
        var logScale =
            SpecialFunctions.logBeta(alphaA, betaA + betaB) - SpecialFunctions.logBeta(alphaA, betaA)
        let count = Int(alphaB.rounded())
        let sumAll = alphaA + betaA + betaB
        var term = 1.0
        var total = 0.0
        var i = 0.0
        for _ in 0..<max(count, 0) {
            total += term
            term *= (alphaA + i) * (betaB + i) / ((sumAll + i) * (1 + i))
            i += 1
            if term > 0x1p600 {
                term *= 0x1p-600
                total *= 0x1p-600
                logScale += 600 * 0.693_147_180_559_945_309_42
            } else if term == 0 {
                break
            }
        }
        guard total > 0 else { return 0 }
        return exp(logScale + log(total))
    }

    /// P(X_B > X_A) by the trapezoidal rule over ±12 standard deviations of the narrower
    /// posterior, against the other's distribution function. With large parameters both
    /// posteriors are smooth and nearly normal, the integrand decays at both ends, and the
    /// trapezoidal rule with steps of σ/20 is accurate far beyond 1e-12.
    static func integrated(alphaA: Double, betaA: Double, alphaB: Double, betaB: Double) -> Double {
        let (meanA, sdA) = moments(alphaA, betaA)
        let (meanB, sdB) = moments(alphaB, betaB)
        let width = 12.0
        if meanA + width * sdA < meanB - width * sdB { return 1 }
        if meanB + width * sdB < meanA - width * sdA { return 0 }

        // Integrate over the narrower density so the other distribution function is smooth on
        // the grid: P(B > A) = ∫ f_A (1 − F_B) = ∫ f_B F_A.
        let narrowIsA = sdA <= sdB
        let (alpha, beta, mean, sd) = narrowIsA ? (alphaA, betaA, meanA, sdA) : (alphaB, betaB, meanB, sdB)
        let (otherAlpha, otherBeta) = narrowIsA ? (alphaB, betaB) : (alphaA, betaA)
        let logNorm = SpecialFunctions.logBeta(alpha, beta)
        let steps = 480
        let lower = max(0, mean - width * sd)
        let upper = min(1, mean + width * sd)
        let h = (upper - lower) / Double(steps)
        var total = 0.0
        for k in 0...steps {
            let x = lower + Double(k) * h
            guard x > 0, x < 1 else { continue }
            let density = exp((alpha - 1) * log(x) + (beta - 1) * log1p(-x) - logNorm)
            let otherCDF = SpecialFunctions.regularizedIncompleteBeta(x, a: otherAlpha, b: otherBeta)
            let weight = (k == 0 || k == steps) ? 0.5 : 1.0
            total += weight * density * (narrowIsA ? 1 - otherCDF : otherCDF)
        }
        return total * h
    }

    private static func moments(_ alpha: Double, _ beta: Double) -> (mean: Double, sd: Double) {
        let sum = alpha + beta
        return (alpha / sum, (alpha * beta / (sum * sum * (sum + 1))).squareRoot())
    }

    // MARK: three or more arms

    static func monteCarlo(_ arms: [ArmCounts], draws: Int, seed: UInt64) -> [Double] {
        var rng = Xoshiro256(seed: seed)
        let parameters = arms.map { arm in
            let counts = arm.posteriorCounts
            return (alpha: 1 + Double(counts.successes), beta: 1 + Double(counts.failures))
        }
        var wins = [Double](repeating: 0, count: arms.count)
        var samples = [Double](repeating: 0, count: arms.count)
        for _ in 0..<draws {
            var best = -Double.infinity
            var ties = 0
            for index in parameters.indices {
                let sample = BetaSampler.sample(
                    alpha: parameters[index].alpha, beta: parameters[index].beta, using: &rng)
                samples[index] = sample
                if sample > best {
                    best = sample
                    ties = 1
                } else if sample == best {
                    ties += 1
                }
            }
            let share = 1 / Double(ties)
            for index in samples.indices where samples[index] == best {
                wins[index] += share
            }
        }
        return wins.map { $0 / Double(draws) }
    }
}
