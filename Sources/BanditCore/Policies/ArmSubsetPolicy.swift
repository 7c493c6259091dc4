/// An experiment's allocation run on some of its arms only: those whose guardrails have not
/// tripped. The configured policy, weights and floors apply to the arms left, as if the
/// experiment had only those (weights renormalised, floors kept), so a tripped arm gets no
/// new session and the others share its traffic as the policy would have them.
struct ArmSubsetPolicy: BanditPolicy {
    /// The arms that may be chosen, ascending; never empty.
    let allowed: [Int]
    /// The allocation for those arms alone, indexed by position in `allowed`.
    let base: any BanditPolicy

    /// `config`'s allocation restricted to `allowed` (indices of `config.arms`, ascending).
    init(_ config: ExperimentConfig, allowed: [Int]) {
        let arms = allowed.isEmpty ? [0] : allowed
        var subset = config
        subset.arms = arms.map { config.arms[$0] }
        subset.weights = config.weights.flatMap { weights in
            let kept = arms.map { weights[$0] }
            let total = kept.reduce(0, +)
            return total > 0 ? kept.map { $0 / total } : nil
        }
        subset.minShares = config.minShares.map { floors in arms.map { floors[$0] } }
        self.allowed = arms
        base = subset.allocationPolicy
    }

    @_specialize(where R == Xoshiro256)
    func choose<R: RandomNumberGenerator>(_ arms: [ArmCounts], using rng: inout R) -> Int {
        if allowed.count == 1 { return allowed[0] }
        let picked = base.choose(allowed.map { $0 < arms.count ? arms[$0] : ArmCounts() }, using: &rng)
        return allowed[min(max(picked, 0), allowed.count - 1)]
    }

    /// The base policy's probabilities, 0 for the arms left out.
    func probabilities(_ arms: [ArmCounts]) -> [Double]? {
        let subset = allowed.map { $0 < arms.count ? arms[$0] : ArmCounts() }
        guard let shares = allowed.count == 1 ? [1] : base.probabilities(subset) else { return nil }
        var result = Array(repeating: 0.0, count: arms.count)
        for (position, arm) in allowed.enumerated() where arm < result.count && position < shares.count {
            result[arm] = shares[position]
        }
        return result
    }
}
