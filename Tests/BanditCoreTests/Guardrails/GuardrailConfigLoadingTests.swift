import Testing

@testable import BanditCore

/// `guardrails` as a user writes it in proxy.json: read into the experiment, every mistake
/// named by its key path.
@Suite struct GuardrailConfigLoadingTests {
    func parse(_ guardrails: String, extra: String = "") throws(ConfigErrors) -> ProxyConfig {
        let text =
            #"{"upstream": "http://127.0.0.1:8000"\#(extra), "experiments": [{"name": "e", "source": "/a", "target": "/b", "guardrails": \#(guardrails)}]}"#
        return try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/etc/bandit")
    }

    func errors(_ guardrails: String, extra: String = "") -> ConfigErrors {
        do {
            let config = try parse(guardrails, extra: extra)
            Issue.record("accepted: \(config.experiments.first?.guardrails as Any)")
            return ConfigErrors([])
        } catch {
            return error
        }
    }

    @Test func theIssuesExampleIsRead() throws {
        let config = try parse(#"{"maxErrorRate": 0.01, "slowMs": 800, "maxSlowRate": 0.05}"#)
        #expect(config.experiments[0].guardrails == GuardrailConfig(maxErrorRate: 0.01, slowMs: 800, maxSlowRate: 0.05))
        let full = try parse(#"{"maxErrorRate": 0.02, "minRequests": 100, "significance": 0.01}"#)
        #expect(
            full.experiments[0].guardrails
                == GuardrailConfig(maxErrorRate: 0.02, significance: 0.01, minRequests: 100))
    }

    @Test func withoutTheKeyThereAreNoGuardrails() throws {
        let text = #"{"upstream": "http://a", "experiments": [{"name": "e", "source": "/a", "target": "/b"}]}"#
        #expect(try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/").experiments[0].guardrails == nil)
    }

    @Test func outOfRangeValuesAreNamedByTheirKeyPath() {
        let found = errors(
            #"{"maxErrorRate": 1.5, "slowMs": 0, "maxSlowRate": 0, "significance": 0.9, "minRequests": 10}"#)
        #expect(
            Set(found.errors.map(\.keyPath)) == [
                "experiments[0].guardrails.maxErrorRate", "experiments[0].guardrails.slowMs",
                "experiments[0].guardrails.maxSlowRate", "experiments[0].guardrails.significance",
                "experiments[0].guardrails.minRequests",
            ])
    }

    @Test func wrongTypesAndUnknownKeysAreNamed() {
        let found = errors(#"{"maxErrorRate": "1%", "slowMs": 80.5, "maxErorRate": 0.01}"#)
        #expect(found.error(at: "experiments[0].guardrails.maxErrorRate")?.message.contains("a number") == true)
        #expect(found.error(at: "experiments[0].guardrails.slowMs")?.message.contains("not a whole number") == true)
        #expect(
            found.error(at: "experiments[0].guardrails.maxErorRate")?.message.contains("did you mean \"maxErrorRate\"")
                == true)
        #expect(errors("0.01").error(at: "experiments[0].guardrails")?.message.contains("an object") == true)
    }

    @Test func aSlowLimitNeedsSlowMs() {
        let found = errors(#"{"maxSlowRate": 0.05}"#)
        #expect(found.error(at: "experiments[0].guardrails.maxSlowRate")?.message.contains("needs slowMs") == true)
    }

    /// The proxy answers 504 at the response timeout: a slowMs at or past it is a unit mistake.
    @Test func slowMsMustBeBelowTheResponseTimeout() throws {
        let found = errors(#"{"slowMs": 30000, "maxSlowRate": 0.05}"#, extra: #", "timeouts": {"responseSeconds": 30}"#)
        #expect(
            found.error(at: "experiments[0].guardrails.slowMs")?.message.contains("timeouts.responseSeconds") == true)
        let fine = try parse(
            #"{"slowMs": 29999, "maxSlowRate": 0.05}"#, extra: #", "timeouts": {"responseSeconds": 30}"#)
        #expect(fine.experiments[0].guardrails?.slowMs == 29999)
    }
}
