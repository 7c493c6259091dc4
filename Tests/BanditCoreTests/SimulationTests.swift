import Testing

@testable import BanditCore

/// The simulation behind `bandit-proxy simulate`, small enough for the suite.
@Suite struct SimulationTests {
    static let policies: [Algorithm] = [
        .uniform, .epsilonGreedy(epsilon: 0.1), .epsilonDecay(k: 100), .ucb1(c: 2), .thompson,
        .topTwoThompson(beta: 0.5),
    ]

    @Test func aSeedRepeatsTheSameRuns() async {
        let runner = SimulationRunner(runs: 8, sessions: 500, seed: 42)
        let scenario = SimulationScenario.defaults[1]
        let first = await runner.runAll(scenario, .thompson)
        let second = await runner.runAll(scenario, .thompson)
        #expect(first == second)
        let other = await SimulationRunner(runs: 8, sessions: 500, seed: 43).runAll(scenario, .thompson)
        #expect(first != other)
    }

    /// django-bandits' setting: two identical arms at 10%, 1,600 sessions, α = 0.05, min 100
    /// views, the rule checked after every session. 120 runs per policy: the false-winner rate
    /// must stay within α + 3 binomial standard errors (0.05 + 3·√(0.05·0.95/120) ≈ 0.110).
    @Test(arguments: Self.policies.map(\.name))
    func noPolicyMakesTheRuleDeclareFalseWinnersOnIdenticalArms(policy: String) async {
        let algorithm = Self.policies.first { $0.name == policy }!
        let runner = SimulationRunner(runs: 120, sessions: 1_600, significance: 0.05, minViews: 100, seed: 7)
        let summary = await runner.summarize(SimulationScenario(name: "A/A", rates: [0.10, 0.10]), algorithm)
        #expect(summary.falseWinnerRate <= 0.05 + 3 * (0.05 * 0.95 / 120).squareRoot(), "\(summary)")
        #expect(summary.power == 0)
    }

    @Test func aClearDifferenceIsFoundByUniformAndTopTwo() async {
        let runner = SimulationRunner(runs: 40, sessions: 3_000, seed: 11)
        let scenario = SimulationScenario(name: "clear", rates: [0.10, 0.20])
        for algorithm in [Algorithm.uniform, .topTwoThompson(beta: 0.5)] {
            let summary = await runner.summarize(scenario, algorithm)
            #expect(summary.power >= 0.8, "\(summary)")
            #expect(summary.falseWinnerRate == 0)
        }
    }

    @Test func thompsonLosesLessThanUniform() async {
        let runner = SimulationRunner(runs: 30, sessions: 3_000, seed: 5)
        let scenario = SimulationScenario(name: "lift", rates: [0.10, 0.15])
        let thompson = await runner.summarize(scenario, .thompson)
        let uniform = await runner.summarize(scenario, .uniform)
        #expect(thompson.meanRegret < uniform.meanRegret * 0.7, "\(thompson.meanRegret) vs \(uniform.meanRegret)")
        #expect(thompson.meanShareOnBest > 0.7)
    }

    @Test func driftingRatesSwitchTheBestArm() {
        let scenario = SimulationScenario(name: "drift", rates: [0.10, 0.13], laterRates: [0.12, 0.11], changeAt: 0.5)
        #expect(scenario.rates(atSession: 10, of: 100) == [0.10, 0.13])
        #expect(scenario.rates(atSession: 60, of: 100) == [0.12, 0.11])
        #expect(scenario.bestArms() == [1], "over the whole run arm 1 averages 12% against 11%")
    }
}
