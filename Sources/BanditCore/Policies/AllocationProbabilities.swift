/// Formulas shared by the policies' `probabilities`: exact where the policy is a formula,
/// the Beta posteriors' P(best) for Thompson sampling (which is exactly its allocation).
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
}
