#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Log-gamma, log-beta and the regularized incomplete beta function, in pure Swift so that
/// nothing touches the C library's global `signgam` from several threads.
enum SpecialFunctions {
    /// ln Γ(x) for x > 0: Stirling's series (8 terms) after shifting x to at least 10.
    /// Relative error about 1e-15 for the arguments used here.
    static func logGamma(_ x: Double) -> Double {
        precondition(x > 0, "logGamma needs a positive argument")
        var z = x
        var shift = 0.0
        if z < 10 {
            var product = 1.0
            while z < 10 {
                product *= z
                z += 1
            }
            shift = log(product)
        }
        let inverse = 1 / z
        let inverse2 = inverse * inverse
        // Bernoulli terms B₂ₖ / (2k (2k−1) z²ᵏ⁻¹).
        var series = -3617.0 / 122_400
        series = series * inverse2 + 1.0 / 156
        series = series * inverse2 - 691.0 / 360_360
        series = series * inverse2 + 1.0 / 1188
        series = series * inverse2 - 1.0 / 1680
        series = series * inverse2 + 1.0 / 1260
        series = series * inverse2 - 1.0 / 360
        series = series * inverse2 + 1.0 / 12
        let stirling = (z - 0.5) * log(z) - z + 0.918_938_533_204_672_741_78 + series * inverse
        return stirling - shift
    }

    /// ln B(a, b).
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        logGamma(a) + logGamma(b) - logGamma(a + b)
    }

    /// I_x(a, b), the Beta(a, b) distribution function at x, by the continued fraction of
    /// Numerical Recipes §6.4 (modified Lentz), on the side of the mean where it converges fast.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = a * log(x) + b * log1p(-x) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        } else {
            return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
        }
    }

    /// ln I_x(a, b), accurate also where I_x(a, b) is too small for `regularizedIncompleteBeta`
    /// to tell from 0 (the guardrails' outright test takes the log of a far tail).
    static func logRegularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return -.infinity }
        if x >= 1 { return 0 }
        let logFront = a * log(x) + b * log1p(-x) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return logFront + log(continuedFraction(x, a: a, b: b) / a)
        } else {
            return log1p(-exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b)
        }
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        // Convergence takes O(√max(a, b)) steps.
        let maxIterations = 200 + Int(10 * max(a, b).squareRoot())
        for step in 1...maxIterations {
            let m = Double(step)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
