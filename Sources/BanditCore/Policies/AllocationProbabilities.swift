/// Formulas shared by the policies' `probabilities`: exact where the policy is a formula,
/// the Beta posteriors' P(best) for Thompson sampling (which is exactly its allocation), and
/// Russo's formula for top-two Thompson.
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
