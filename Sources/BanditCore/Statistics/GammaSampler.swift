#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Gamma(shape, 1) draws by Marsaglia & Tsang (2000), "A simple method for generating gamma
/// variables": about 1.03 normal draws per sample for shape ≥ 1, no tables, no allocation.
public enum GammaSampler {
    /// A Gamma(shape, scale 1) draw. Shapes below 1 use Gamma(shape + 1) · U^(1/shape).
    /// A shape ≤ 0 (or NaN) is the degenerate limit and returns 0.
    public static func sample<R: RandomNumberGenerator>(shape: Double, using rng: inout R) -> Double {
        guard shape > 0 else { return 0 }
        if shape >= 1 { return marsagliaTsang(shape: shape, using: &rng) }
        return marsagliaTsang(shape: shape + 1, using: &rng)
            * exp(log(UnitInterval.open(using: &rng)) / shape)
    }

    /// ln of a Gamma(shape, 1) draw; finite even when the draw itself underflows to 0
    /// (tiny shapes), which is what the Beta sampler needs.
    static func logSample<R: RandomNumberGenerator>(shape: Double, using rng: inout R) -> Double {
        if shape >= 1 { return log(marsagliaTsang(shape: shape, using: &rng)) }
        return log(marsagliaTsang(shape: shape + 1, using: &rng)) + log(UnitInterval.open(using: &rng)) / shape
    }

    /// Requires shape ≥ 1.
    private static func marsagliaTsang<R: RandomNumberGenerator>(shape: Double, using rng: inout R) -> Double {
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = NormalDistribution.sample(using: &rng)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = UnitInterval.open(using: &rng)
            let x2 = x * x
            if u < 1 - 0.0331 * x2 * x2 { return d * v }
            if log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return d * v }
        }
    }
}
