/// The smallest difference between two arms' conversion rates worth detecting
/// (`minDetectableEffect`): the winner rule is most powerful near it, and an experiment whose
/// arms are shown to differ by less ends with "no meaningful difference".
public enum MinimumDetectableEffect: Sendable, Equatable, CustomStringConvertible {
    /// In conversion-rate units: 0.01 is one percentage point (4% against 5%).
    case absolute(Double)
    /// A share of the experiment's conversion rate: 0.1 is a 10% lift (4% against 4.4%).
    case relative(Double)

    /// Used when an experiment sets none; docs/STATISTICS.md shows how it was chosen.
    public static let standard = MinimumDetectableEffect.relative(0.25)

    /// The effect in conversion-rate units when the experiment converts at `rate`.
    public func absolute(atRate rate: Double) -> Double {
        switch self {
        case .absolute(let effect): effect
        case .relative(let lift): lift * rate
        }
    }

    /// As written in `proxy.json`, without the quotes: `0.01`, or `25%`.
    public var description: String {
        switch self {
        case .absolute(let effect): return "\(effect)"
        case .relative(let lift):
            let tenths = (lift * 1000).rounded()
            return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10))%" : "\(tenths / 10)%"
        }
    }
}
