#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The standard normal distribution: quantile, distribution function and a sampler.
public enum NormalDistribution {
    /// Φ(x), from the C library's `erfc` (full double precision, also in the tails).
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x * 0.707_106_781_186_547_524_4)
    }

    /// Φ⁻¹(p): Acklam's rational approximation (relative error 1.15e-9) polished by one
    /// Halley step against `cdf`, which brings it to about 1e-15.
    ///
    /// Returns -∞ for p ≤ 0, +∞ for p ≥ 1 and NaN for NaN.
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN { return .nan }
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }

        let pLow = 0.024_25
        var x: Double
        if p < pLow {
            let q = (-2 * log(p)).squareRoot()
            x = tail(q)
        } else if p <= 1 - pLow {
            let q = p - 0.5
            let r = q * q
            let num = (((((a1 * r + a2) * r + a3) * r + a4) * r + a5) * r + a6) * q
            let den = ((((b1 * r + b2) * r + b3) * r + b4) * r + b5) * r + 1
            x = num / den
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -tail(q)
        }

        // Halley refinement. exp(x²/2) overflows beyond |x| ≈ 37.6, where no double p is left
        // to refine against anyway.
        if abs(x) < 37 {
            // cdf(x) − p; above the median as (1 − p) − Q(x), both terms exact or nearly so.
            let e = p < 0.5 ? cdf(x) - p : (1 - p) - 0.5 * erfc(x * 0.707_106_781_186_547_524_4)
            let u = e * 2.506_628_274_631_000_502_4 * exp(0.5 * x * x)
            x -= u / (1 + 0.5 * x * u)
        }
        return x
    }

    /// A standard normal draw (Marsaglia's polar method; the second value is dropped so the
    /// sampler keeps no state).
    public static func sample<R: RandomNumberGenerator>(using rng: inout R) -> Double {
        while true {
            let u = 2 * UnitInterval.open(using: &rng) - 1
            let v = 2 * UnitInterval.open(using: &rng) - 1
            let s = u * u + v * v
            if s < 1 && s > 0 {
                return u * (-2 * log(s) / s).squareRoot()
            }
        }
    }

    // Acklam's coefficients.
    private static let a1 = -3.969_683_028_665_376e+01
    private static let a2 = 2.209_460_984_245_205e+02
    private static let a3 = -2.759_285_104_469_687e+02
    private static let a4 = 1.383_577_518_672_690e+02
    private static let a5 = -3.066_479_806_614_716e+01
    private static let a6 = 2.506_628_277_459_239e+00
    private static let b1 = -5.447_609_879_822_406e+01
    private static let b2 = 1.615_858_368_580_409e+02
    private static let b3 = -1.556_989_798_598_866e+02
    private static let b4 = 6.680_131_188_771_972e+01
    private static let b5 = -1.328_068_155_288_572e+01
    private static let c1 = -7.784_894_002_430_293e-03
    private static let c2 = -3.223_964_580_411_365e-01
    private static let c3 = -2.400_758_277_161_838e+00
    private static let c4 = -2.549_732_539_343_734e+00
    private static let c5 = 4.374_664_141_464_968e+00
    private static let c6 = 2.938_163_982_698_783e+00
    private static let d1 = 7.784_695_709_041_462e-03
    private static let d2 = 3.224_671_290_700_398e-01
    private static let d3 = 2.445_134_137_142_996e+00
    private static let d4 = 3.754_408_661_907_416e+00

    /// The lower-tail branch, in terms of q = √(−2 ln p).
    private static func tail(_ q: Double) -> Double {
        (((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6)
            / ((((d1 * q + d2) * q + d3) * q + d4) * q + 1)
    }
}
