import Testing

@testable import BanditCore

/// The `guardrails` values and what is wrong with them.
@Suite struct GuardrailConfigTests {
    @Test func theIssuesExampleIsValid() {
        let config = GuardrailConfig(maxErrorRate: 0.01, slowMs: 800, maxSlowRate: 0.05)
        #expect(config.problems(at: "experiments[0].guardrails").isEmpty)
        #expect(config.canTrip)
        #expect(config.slowNanoseconds == 800_000_000)
        #expect(config.minRequests == GuardrailConfig.defaultMinRequests)
        #expect(config.significance(experiment: 0.01) == 0.01)
        #expect(GuardrailConfig(significance: 0.1).significance(experiment: 0.01) == 0.1)
    }

    @Test func countingSlowRequestsWithoutALimitCannotTrip() {
        let config = GuardrailConfig(slowMs: 800)
        #expect(config.problems(at: "g").isEmpty)
        #expect(!config.canTrip)
    }

    @Test func everyProblemIsReportedAtItsKey() {
        let config = GuardrailConfig(maxErrorRate: 1, slowMs: 0, maxSlowRate: -0.1, significance: 0.6, minRequests: 5)
        let problems = config.problems(at: "experiments[2].guardrails")
        let keys = Set(problems.map(\.keyPath))
        #expect(
            keys == [
                "experiments[2].guardrails.maxErrorRate", "experiments[2].guardrails.slowMs",
                "experiments[2].guardrails.maxSlowRate", "experiments[2].guardrails.significance",
                "experiments[2].guardrails.minRequests",
            ])
        #expect(problems.first { $0.keyPath.hasSuffix("maxErrorRate") }!.message.contains("percentage point"))
    }

    @Test func aSlowLimitNeedsSlowMs() {
        let problems = GuardrailConfig(maxSlowRate: 0.05).problems(at: "")
        #expect(problems == [ConfigError(keyPath: "maxSlowRate", message: problems.first?.message ?? "")])
        #expect(problems.first?.message.contains("needs slowMs") == true)
        #expect(!GuardrailConfig(maxSlowRate: 0.05).canTrip)
    }

    @Test func notANumberIsAProblem() {
        let problems = GuardrailConfig(maxErrorRate: .nan, significance: .nan).problems(at: "")
        #expect(Set(problems.map(\.keyPath)) == ["maxErrorRate", "significance"])
    }
}
