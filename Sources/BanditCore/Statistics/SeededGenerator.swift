/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator with a 64-bit state.
///
/// Good enough on its own for tests, and the standard way to expand one 64-bit seed into
/// the larger state of `Xoshiro256`. Every value of the seed is valid.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A reproducible stream; any seed, 0 included.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018): the generator for the hot path.
///
/// A value type with 32 bytes of state, no locks and no allocation: give each event loop
/// (or each test) its own copy. Not cryptographically secure; it picks arms, not secrets.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A reproducible stream: the state is expanded from `seed` with SplitMix64.
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        self.init(words: mix.next(), mix.next(), mix.next(), mix.next())
    }

    /// A fresh stream seeded from the system's secure generator.
    public init() {
        var system = SystemRandomNumberGenerator()
        self.init(words: system.next(), system.next(), system.next(), system.next())
    }

    private init(words a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) {
        s0 = a
        s1 = b
        s2 = c
        s3 = d
        // The all-zero state is the one fixed point of the generator.
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    @inlinable
    func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 &- k))
    }
}

/// Uniform doubles for the samplers.
enum UnitInterval {
    /// Uniform on the open interval (0, 1): never exactly 0 or 1, so `log` is always finite.
    @inline(__always)
    static func open<R: RandomNumberGenerator>(using rng: inout R) -> Double {
        (Double(rng.next() >> 11) + 0.5) * 0x1p-53
    }
}
