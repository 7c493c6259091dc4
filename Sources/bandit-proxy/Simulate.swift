import ArgumentParser
import BanditCore
import Foundation

/// `bandit-proxy simulate`: policies and the winner rule on synthetic experiments.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate policies and the winner rule on synthetic experiments and print what they achieve.",
        discussion: """
            For each scenario and policy: how often a wrong winner is declared (false-winner rate), how often \
            the best arm is declared (power), the median sessions until a decision, the regret against always \
            showing the best arm, and the share of sessions that saw the best arm.
            """)

    static let policies: [Algorithm] = [
        .uniform, .epsilonGreedy(epsilon: 0.1), .epsilonDecay(k: 100), .ucb1(c: 2), .thompson,
        .topTwoThompson(beta: 0.5),
    ]

    @Option(help: "Simulated experiments per scenario and policy.") var runs: Int = 100
    @Option(help: "Sessions in each simulated experiment.") var sessions: Int = 40_000
    @Option(help: "Scenario to run (repeatable): \(SimulationScenario.defaults.map(\.name).joined(separator: ", ")).")
    var scenario: [String] = []
    @Option(help: "Policy to run (repeatable): \(Simulate.policies.map(\.name).joined(separator: ", ")).")
    var policy: [String] = []
    @Option(help: "Error rate of the winner rule.") var significance: Double = 0.05
    @Option(help: "Views before a winner may be declared.") var minViews: Int = 100
    @Option(help: "Check the winner rule every N sessions.") var checkEvery: Int = 1
    @Option(help: "Seed; the same seed repeats the same numbers.") var seed: UInt64 = 1
    @Flag(help: "Print CSV instead of tables.") var csv = false
    @Flag(
        help:
            "Compare the winner rule with the rule it replaced and with an mSPRT told the true effect (docs/STATISTICS.md)."
    ) var compare = false

    func validate() throws {
        guard runs > 0, sessions > 0, checkEvery > 0 else {
            throw ValidationError("runs, sessions and check-every must be positive")
        }
        guard significance > 0, significance <= 0.5 else { throw ValidationError("significance must be in (0, 0.5]") }
        for name in scenario where !SimulationScenario.defaults.contains(where: { $0.name == name }) {
            throw ValidationError("unknown scenario \"\(name)\"")
        }
        for name in policy where !Simulate.policies.contains(where: { $0.name == name }) {
            throw ValidationError("unknown policy \"\(name)\"")
        }
    }

    func run() async throws {
        if compare {
            let comparison = RuleComparison(
                runs: runs, sessions: sessions, significance: significance, minViews: minViews, seed: seed)
            print(await comparison.run())
            return
        }
        let scenarios = SimulationScenario.defaults.filter { scenario.isEmpty || scenario.contains($0.name) }
        let algorithms = Simulate.policies.filter { policy.isEmpty || policy.contains($0.name) }
        let runner = SimulationRunner(
            runs: runs, sessions: sessions, significance: significance, minViews: minViews, checkEvery: checkEvery,
            seed: seed)
        let started = ContinuousClock.now
        if csv {
            print(
                "scenario,policy,runs,sessions,false_winner_rate,power,median_sessions_to_decision,mean_regret,share_on_best"
            )
        }
        for scenario in scenarios {
            var summaries: [SimulationRunner.Summary] = []
            for algorithm in algorithms { summaries.append(await runner.summarize(scenario, algorithm)) }
            if csv {
                for s in summaries {
                    print(
                        "\(s.scenario),\(s.policy),\(s.runs),\(sessions),\(s.falseWinnerRate),\(s.power),"
                            + "\(s.medianSessionsToDecision.map(String.init) ?? ""),\(s.meanRegret),\(s.meanShareOnBest)"
                    )
                }
            } else {
                print(table(scenario, summaries))
            }
        }
        if !csv {
            print(
                "\(runs) runs × \(sessions) sessions each, α = \(significance), min views \(minViews), seed \(seed); "
                    + "took \(ContinuousClock.now - started)")
        }
    }

    private func table(_ scenario: SimulationScenario, _ summaries: [SimulationRunner.Summary]) -> String {
        let rates = scenario.rates.map { String(format: "%.1f%%", $0 * 100) }.joined(separator: " / ")
        let later =
            scenario.laterRates.map { " → " + $0.map { String(format: "%.1f%%", $0 * 100) }.joined(separator: " / ") }
            ?? ""
        let change = scenario.changeAt.map { " after \(Int($0 * 100))% of the sessions" } ?? ""
        var lines = ["\(scenario.name): \(rates)\(later)\(change)"]
        lines.append(
            "  " + pad("policy", 18) + pad("false winner", 14) + pad("power", 8) + pad("median to decision", 20)
                + pad("regret", 10) + "on best arm")
        for s in summaries {
            lines.append(
                "  " + pad(s.policy, 18) + pad(String(format: "%.3f", s.falseWinnerRate), 14)
                    + pad(String(format: "%.2f", s.power), 8)
                    + pad(s.medianSessionsToDecision.map { "\($0)" } ?? "—", 20)
                    + pad(String(format: "%.1f", s.meanRegret), 10) + String(format: "%.1f%%", s.meanShareOnBest * 100))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
