#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// UCB1 (Auer, Cesa-Bianchi & Fischer 2002): an arm without views first (a random one if
/// several), else the arm maximising rate + √(c · ln(totalViews) / views), ties at random.
/// The textbook constant is c = 2.
public struct UCB1Policy: BanditPolicy {
    /// Exploration weight in the bonus √(c · ln(totalViews) / views); above 0, 2 by default.
    public let c: Double

    /// A policy with exploration weight `c` (above 0; the textbook value is 2).
    public init(c: Double) {
        self.c = c
    }

    /// An arm without views if any, else the highest upper confidence bound; ties at random.
    @_specialize(where R == Xoshiro256)
    public func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        var totalViews = 0
        var unplayed = 0
        var pick = 0
        for index in arms.indices {
            let views = arms[index].views
            totalViews &+= max(0, views)
            if views <= 0 {
                unplayed += 1
                if PolicySupport.randomArm(unplayed, using: &rng) == 0 { pick = index }
            }
        }
        if unplayed > 0 { return pick }

        let logTotal = log(Double(totalViews))
        let width = max(0, c)
        var bestScore = -Double.infinity
        var ties = 0
        for index in arms.indices {
            let arm = arms[index]
            let score = arm.conversionRate + (width * logTotal / Double(arm.views)).squareRoot()
            if score > bestScore {
                bestScore = score
                pick = index
                ties = 1
            } else if score == bestScore {
                ties += 1
                if PolicySupport.randomArm(ties, using: &rng) == 0 { pick = index }
            }
        }
        return pick
    }

    /// UCB1 is deterministic given the counts: no propensity to report.
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? { nil }
}
