/// The probability with which each policy puts a new session on each arm (its propensity),
/// for the access log and the API's "traffic now".
///
/// Exact where the policy is a formula (uniform, weights, epsilon-greedy, epsilon-decay,
/// floors), the Beta posteriors' P(best) for Thompson sampling (which is exactly its
/// allocation), Russo's top-two formula for top-two Thompson, and none for UCB1, which is
/// deterministic given the counts.
extension BanditPolicy {
    public func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        switch self {
        case let policy as UniformPolicy: policy.allocation(arms)
        case let policy as WeightedPolicy: policy.shares
        case let policy as EpsilonGreedyPolicy: Allocation.epsilonGreedy(arms, epsilon: policy.epsilon)
        case let policy as EpsilonDecayPolicy:
            Allocation.epsilonGreedy(arms, epsilon: policy.epsilon(totalViews: arms.reduce(0) { $0 + $1.views }))
        case is ThompsonPolicy: ProbabilityBest.estimate(arms)
        case let policy as TopTwoThompsonPolicy: Allocation.topTwo(ProbabilityBest.estimate(arms), beta: policy.beta)
        case let policy as FlooredPolicy: policy.allocation(arms)
        default: nil
        }
    }
}

enum Allocation {
    /// ε spread evenly, the rest over the arms with the best observed rate.
    static func epsilonGreedy(_ arms: [ArmCounts], epsilon: Double) -> [Double] {
        guard !arms.isEmpty else { return [] }
        let best = arms.map(\.conversionRate).max() ?? 0
        let leaders = arms.filter { $0.conversionRate == best }.count
        return arms.map { arm in
            epsilon / Double(arms.count) + (arm.conversionRate == best ? (1 - epsilon) / Double(leaders) : 0)
        }
    }

    /// Top-two Thompson sampling's allocation (Russo 2016, §3): ψᵢ = πᵢ (β + (1 − β) Σⱼ≠ᵢ πⱼ / (1 − πⱼ)),
    /// where π is P(best).
    static func topTwo(_ best: [Double], beta: Double) -> [Double] {
        guard best.count > 1 else { return best }
        let odds = best.map { min($0, 1 - 1e-12) / (1 - min($0, 1 - 1e-12)) }
        let totalOdds = odds.reduce(0, +)
        let raw = best.indices.map { index in best[index] * (beta + (1 - beta) * (totalOdds - odds[index])) }
        let total = raw.reduce(0, +)
        return total > 0 ? raw.map { $0 / total } : best
    }
}

extension UniformPolicy {
    func allocation(_ arms: [ArmCounts]) -> [Double] {
        Array(repeating: 1 / Double(max(1, arms.count)), count: arms.count)
    }
}

extension FlooredPolicy {
    /// fᵢ + (1 − F)·pᵢ.
    func allocation(_ arms: [ArmCounts]) -> [Double]? {
        guard let base = base.probabilities(arms) else { return nil }
        return base.indices.map { floors[$0] + (1 - totalFloor) * base[$0] }
    }
}
