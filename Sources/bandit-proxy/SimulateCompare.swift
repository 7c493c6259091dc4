import BanditCore
import Foundation

/// `bandit-proxy simulate --compare`: the winner rule beside the rule it replaced and beside
/// an mSPRT told the true effect, on the scenarios docs/STATISTICS.md reports.
struct RuleComparison {
    let runs: Int
    let sessions: Int
    let significance: Double
    let minViews: Int
    let seed: UInt64

    static let aa = SimulationScenario(name: "A/A 10%", rates: [0.10, 0.10])
    static let large = SimulationScenario(name: "4% → 8%", rates: [0.04, 0.08])
    static let small = SimulationScenario(name: "10% → 12%", rates: [0.10, 0.12])

    func run() async -> String {
        var lines = [
            "Uniform 50/50 allocation, checked after every session (\(runs) runs each, up to \(sessions) sessions):",
            "  " + pad("rule", 34) + pad("A/A false winners", 19) + pad("4% → 8% median / p80", 23)
                + "10% → 12% median / p80",
        ]
        let rules: [(String, (SimulationScenario) -> SimulationRule)] = [
            ("interval overlap (before)", { _ in .intervalOverlap }),
            ("winner rule, default effect", { _ in .winnerRule(.standard) }),
            ("mSPRT told the true effect", { Self.tuned(to: $0) }),
        ]
        for (name, rule) in rules {
            let aa = await summary(Self.aa, .uniform, rule: rule(Self.large))
            let large = await summary(Self.large, .uniform, rule: rule(Self.large))
            let small = await summary(Self.small, .uniform, rule: rule(Self.small))
            lines.append(
                "  " + pad(name, 34) + pad(String(format: "%.1f%%", aa.falseWinnerRate * 100), 19)
                    + pad(sessionsText(large), 23) + sessionsText(small))
        }
        lines.append("")
        lines.append("The default policy (Thompson sampling, minShare 0.1) with the winner rule:")
        let policyAA = await summary(Self.aa, .thompson, minShare: 0.1, rule: .winnerRule(.standard))
        let policySmall = await summary(Self.small, .thompson, minShare: 0.1, rule: .winnerRule(.standard))
        lines.append(
            String(
                format: "  A/A false winners %.1f%%; 10%% → 12%%: %.0f%% decided within %d sessions (%@), "
                    + "%.0f%% of sessions on the better arm",
                policyAA.falseWinnerRate * 100, policySmall.power * 100, sessions, sessionsText(policySmall),
                policySmall.meanShareOnBest * 100))
        lines.append("α = \(significance), min views \(minViews), seed \(seed)")
        return lines.joined(separator: "\n")
    }

    /// The mSPRT's mixture scale set to the scenario's true difference.
    static func tuned(to scenario: SimulationScenario) -> SimulationRule {
        .twoSidedMSPRT(tau: abs(scenario.rates[1] - scenario.rates[0]))
    }

    private func summary(
        _ scenario: SimulationScenario, _ algorithm: Algorithm, minShare: Double? = nil, rule: SimulationRule
    ) async -> SimulationRunner.Summary {
        let runner = SimulationRunner(
            runs: runs, sessions: sessions, significance: significance, minViews: minViews, seed: seed, rule: rule)
        return await runner.summarize(scenario, algorithm, minShare: minShare)
    }

    private func sessionsText(_ summary: SimulationRunner.Summary) -> String {
        guard let median = summary.medianSessionsToDecision, let p80 = summary.p80SessionsToDecision else {
            return "—"
        }
        return "\(median) / \(p80)"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
