/// Runs a policy and the winner rule on a scenario many times, in parallel, seeded so every
/// run can be repeated, and summarises what a user would care about.
public struct SimulationRunner: Sendable {
    /// Simulated experiments per scenario and policy; more make the rates in `Summary` steadier.
    public var runs: Int
    /// New sessions in each run, each viewing the source once.
    public var sessions: Int
    /// The rule's α, as an experiment's `significance` (0.05 by default).
    public var significance: Double
    /// Views in all before the rule may declare a winner, as an experiment's `minViews`.
    public var minViews: Int
    /// The rule is checked after every `checkEvery` sessions (the proxy checks every flush).
    public var checkEvery: Int
    /// Seeds every run's generator with this and the run's index, so a summary can be repeated exactly.
    public var seed: UInt64
    /// The stopping rule that declares the winner.
    public var rule: SimulationRule

    /// A runner with these settings; the defaults are the proxy's defaults over 100 runs of 40,000 sessions.
    public init(
        runs: Int = 100, sessions: Int = 40_000, significance: Double = 0.05, minViews: Int = 100,
        checkEvery: Int = 1, seed: UInt64 = 1, rule: SimulationRule = .winnerRule(.standard)
    ) {
        self.rule = rule
        self.runs = runs
        self.sessions = sessions
        self.significance = significance
        self.minViews = minViews
        self.checkEvery = checkEvery
        self.seed = seed
    }

    /// What one simulated experiment did.
    public struct Run: Sendable, Equatable {
        /// The declared winner, if any, and after how many sessions.
        public var winner: Int?
        /// The sessions simulated when the rule declared it; nil without a winner.
        public var decidedAt: Int?
        /// Σ over sessions of (best true rate − true rate of the arm shown).
        public var regret: Double
        /// Share of sessions shown a best arm.
        public var shareOnBest: Double
    }

    /// What the runs of one scenario and policy came to, as fractions of the runs (0...1) or averages.
    public struct Summary: Sendable, Equatable {
        /// The scenario's name.
        public var scenario: String
        /// The algorithm's name, with `, minShare x` when a floor was given.
        public var policy: String
        /// The number of runs summarised.
        public var runs: Int
        /// Runs that declared an arm that is not a best arm.
        public var falseWinnerRate: Double
        /// Runs that declared a best arm (0 by definition when every arm is equal).
        public var power: Double
        /// Median and 80th percentile of the sessions before a decision, over the runs that decided.
        public var medianSessionsToDecision: Int?
        /// See `medianSessionsToDecision`; nil when no run decided.
        public var p80SessionsToDecision: Int?
        /// Runs that declared a winner, right or wrong.
        public var decidedRate: Double
        /// `Run.regret` averaged over the runs: conversions lost to showing worse arms, per run.
        public var meanRegret: Double
        /// `Run.shareOnBest` averaged over the runs.
        public var meanShareOnBest: Double
    }

    /// `minShare`, when given, is every arm's floor (`FlooredPolicy`), as the proxy applies it.
    public func summarize(_ scenario: SimulationScenario, _ algorithm: Algorithm, minShare: Double? = nil) async
        -> Summary
    {
        let results = await runAll(scenario, algorithm, minShare: minShare)
        let best = scenario.bestArms()
        let isNull = best.count == scenario.rates.count
        let decided = results.filter { $0.winner != nil }
        let falseWinners = decided.filter { isNull || !best.contains($0.winner!) }.count
        let decisions = decided.compactMap(\.decidedAt).sorted()
        return Summary(
            scenario: scenario.name, policy: algorithm.name + (minShare.map { ", minShare \($0)" } ?? ""),
            runs: results.count,
            falseWinnerRate: Double(falseWinners) / Double(max(1, results.count)),
            power: isNull ? 0 : Double(decided.count - falseWinners) / Double(max(1, results.count)),
            medianSessionsToDecision: decisions.isEmpty ? nil : decisions[decisions.count / 2],
            p80SessionsToDecision: decisions.isEmpty ? nil : decisions[decisions.count * 4 / 5],
            decidedRate: Double(decided.count) / Double(max(1, results.count)),
            meanRegret: results.reduce(0) { $0 + $1.regret } / Double(max(1, results.count)),
            meanShareOnBest: results.reduce(0) { $0 + $1.shareOnBest } / Double(max(1, results.count)))
    }

    /// Every run, in order, spread over the cores in a few chunks, each on a thread of its own.
    public func runAll(_ scenario: SimulationScenario, _ algorithm: Algorithm, minShare: Double? = nil) async -> [Run] {
        let chunks = 16
        let size = (runs + chunks - 1) / chunks
        return await withTaskGroup(of: (Int, [Run]).self) { group in
            for chunk in 0..<chunks where chunk * size < runs {
                group.addTask {
                    let range = (chunk * size)..<min(runs, (chunk + 1) * size)
                    let runs = await inBackground {
                        range.map { run(scenario, algorithm, minShare: minShare, index: $0) }
                    }
                    return (chunk, runs)
                }
            }
            var byChunk: [Int: [Run]] = [:]
            for await (chunk, results) in group { byChunk[chunk] = results }
            return byChunk.keys.sorted().flatMap { byChunk[$0]! }
        }
    }

    /// One experiment; run `index` always uses the same random numbers.
    public func run(_ scenario: SimulationScenario, _ algorithm: Algorithm, minShare: Double? = nil, index: Int)
        -> Run
    {
        var rng = Xoshiro256(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        let policy: any BanditPolicy =
            minShare.map {
                FlooredPolicy(base: algorithm.policy, floors: Array(repeating: $0, count: scenario.rates.count))
            } ?? algorithm.policy
        let decide = rule.decider(significance: significance, minViews: minViews)
        var counts = Array(repeating: ArmCounts(), count: scenario.rates.count)
        var winner: Int?
        var decidedAt: Int?
        var regret = 0.0
        var onBest = 0
        for session in 0..<sessions {
            let rates = scenario.rates(atSession: session, of: sessions)
            let arm = winner ?? policy.choose(counts, using: &rng)
            let best = rates.max() ?? 0
            regret += best - rates[arm]
            if rates[arm] >= best - 1e-12 { onBest += 1 }
            counts[arm].assignments += 1
            counts[arm].views += 1
            if Double.random(in: 0..<1, using: &rng) < rates[arm] { counts[arm].conversions += 1 }
            if winner == nil, (session + 1) % checkEvery == 0, let decided = decide(counts) {
                winner = decided
                decidedAt = session + 1
            }
        }
        return Run(
            winner: winner, decidedAt: decidedAt, regret: regret, shareOnBest: Double(onBest) / Double(max(1, sessions))
        )
    }
}
