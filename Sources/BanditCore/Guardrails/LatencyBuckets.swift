/// The fixed buckets of the per-arm upstream-latency histogram: four per power of two of
/// nanoseconds, from 65.5 µs (2¹⁶ ns) to 137 s (2³⁷ ns), with one bucket below and one above.
///
/// Log-linear so that the bucket of a latency is found with one leading-zero count and a shift
/// (no search on the hot path), and every bucket is at most a quarter of its lower bound wide:
/// a percentile interpolated inside its bucket is off by less than 25%, and by far less
/// where the latencies spread over the bucket.
public enum LatencyBuckets {
    /// Latencies below 2^lowestOctave ns share the first bucket.
    static let lowestOctave = 16
    /// Latencies of 2^(highestOctave + 1) ns and more share the last bucket.
    static let highestOctave = 36
    /// Buckets per power of two (2^subBucketBits).
    static let subBucketBits = 2

    /// The number of buckets, the underflow and overflow buckets included.
    public static let count = 2 + (highestOctave - lowestOctave + 1) << subBucketBits

    /// The bucket of a latency; negative latencies count as 0.
    @inline(__always)
    public static func index(nanoseconds: Int64) -> Int {
        let value = UInt64(max(0, nanoseconds))
        if value < 1 << UInt64(lowestOctave) { return 0 }
        let octave = 63 - value.leadingZeroBitCount
        if octave > highestOctave { return count - 1 }
        let sub = Int(truncatingIfNeeded: value >> UInt64(octave - subBucketBits)) & (1 << subBucketBits - 1)
        return 1 + (octave - lowestOctave) << subBucketBits + sub
    }

    /// The smallest latency in bucket `index`, in nanoseconds.
    public static func lowerBound(_ index: Int) -> Int64 {
        if index <= 0 { return 0 }
        if index >= count - 1 { return 1 << Int64(highestOctave + 1) }
        let octave = lowestOctave + (index - 1) >> subBucketBits
        let sub = Int64((index - 1) & (1 << subBucketBits - 1))
        return 1 << Int64(octave) + sub << Int64(octave - subBucketBits)
    }

    /// The first latency past bucket `index`, in nanoseconds; nil for the overflow bucket.
    public static func upperBound(_ index: Int) -> Int64? {
        index >= count - 1 ? nil : lowerBound(index + 1)
    }

    /// The latency, in milliseconds, below which a share `quantile` (0...1) of `counts` lies,
    /// interpolated linearly inside its bucket (latencies are taken as spread evenly over it);
    /// the overflow bucket reports its lower bound. Nil when `counts` is empty or all zero.
    public static func quantileMilliseconds(_ quantile: Double, counts: [Int]) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0, !quantile.isNaN else { return nil }
        let rank = min(max(quantile, 0), 1) * Double(total)
        var below = 0
        for (index, count) in counts.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                let lower = Double(lowerBound(index))
                guard let upper = upperBound(index).map(Double.init) else { return lower / 1e6 }
                let within = max(0, rank - Double(below)) / Double(count)
                return (lower + within * (upper - lower)) / 1e6
            }
            below += count
        }
        return nil
    }
}
