/// Picks the arm for a new session from the counts so far.
///
/// Implementations are tiny value types: a decision reads the counts once, allocates nothing
/// and takes microseconds. `arms` must not be empty (an experiment has two or more arms); an
/// empty array yields 0. The result is always a valid index of `arms` otherwise.
public protocol BanditPolicy: Sendable {
    /// Implementations mark it `@_specialize(where R == Xoshiro256)`: called through
    /// `any BanditPolicy` it is never specialised by its caller, and the attribute makes its
    /// generic entry check for the proxy's generator and run a copy compiled for it, with no
    /// generic metadata looked up at each random draw.
    func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int

    /// The probability with which `choose` puts a new session on each arm (its propensity),
    /// for the access log and the API's "traffic now"; nil for a deterministic policy.
    func probabilities(_ arms: [ArmCounts]) -> [Double]?
}

extension Algorithm {
    /// The policy that implements this algorithm.
    public var policy: any BanditPolicy {
        switch self {
        case .thompson: ThompsonPolicy()
        case .topTwoThompson(let beta): TopTwoThompsonPolicy(beta: beta)
        case .epsilonGreedy(let epsilon): EpsilonGreedyPolicy(epsilon: epsilon)
        case .epsilonDecay(let k): EpsilonDecayPolicy(k: k)
        case .ucb1(let c): UCB1Policy(c: c)
        case .uniform: UniformPolicy()
        }
    }
}

/// Helpers shared by the policies.
enum PolicySupport {
    /// A uniformly random integer in 0..<count (0 if count ≤ 1): Lemire's multiply-shift
    /// without the rejection step, whose bias (< count / 2⁶⁴) is immaterial here and which is
    /// several times faster than `Int.random(in:using:)` through an unspecialized generic.
    @inline(__always)
    static func randomArm<R: RandomNumberGenerator>(_ count: Int, using rng: inout R) -> Int {
        count <= 1 ? 0 : Int(truncatingIfNeeded: rng.next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// The arm with the highest observed conversion rate, ties broken uniformly at random
    /// (reservoir sampling: no allocation).
    static func greedyArm<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        var best = 0
        var bestRate = -Double.infinity
        var ties = 0
        for index in arms.indices {
            let rate = arms[index].conversionRate
            if rate > bestRate {
                best = index
                bestRate = rate
                ties = 1
            } else if rate == bestRate {
                ties += 1
                if randomArm(ties, using: &rng) == 0 { best = index }
            }
        }
        return best
    }
}
