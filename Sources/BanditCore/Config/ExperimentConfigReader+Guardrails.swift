/// An experiment's `guardrails`: the limits past which an arm stops itself (`GuardrailConfig`).
extension ExperimentConfigReader {
    /// `guardrails`: `maxErrorRate`, `slowMs`, `maxSlowRate`, `significance`, `minRequests`.
    /// Types are checked here; the ranges, and that `maxSlowRate` needs `slowMs`, by
    /// `GuardrailConfig.problems`, so that its messages are the only ones.
    func readGuardrails(_ members: [String: JSONValue], at path: String) -> GuardrailConfig? {
        guard let value = members["guardrails"] else { return nil }
        let keyPath = reader.join(path, "guardrails")
        guard let limits = reader.object(value, at: keyPath, known: ConfigKeys.guardrails) else { return nil }
        let errorsBefore = reader.errors.count
        let anyWholeNumber = Int(Int32.min)...Int(Int32.max)
        var config = GuardrailConfig(
            maxErrorRate: reader.number(limits, "maxErrorRate", at: keyPath),
            slowMs: reader.integer(limits, "slowMs", at: keyPath, in: anyWholeNumber, what: "a number of milliseconds"),
            maxSlowRate: reader.number(limits, "maxSlowRate", at: keyPath),
            significance: reader.number(limits, "significance", at: keyPath))
        if let minRequests = reader.integer(
            limits, "minRequests", at: keyPath, in: anyWholeNumber, what: "a number of requests")
        {
            config.minRequests = minRequests
        }
        for problem in config.problems(at: keyPath) { reader.fail(problem.keyPath, problem.message) }
        // The proxy answers 504 at timeouts.responseSeconds: a limit at or past it counts nothing
        // the 5xx limit does not, and is almost certainly a unit mistake (seconds for milliseconds).
        if let slowMs = config.slowMs, Double(slowMs) >= responseTimeoutSeconds * 1000 {
            reader.fail(
                "\(keyPath).slowMs",
                "\(slowMs) ms is not below timeouts.responseSeconds (\(reader.formatted(responseTimeoutSeconds)) s), "
                    + "when the proxy gives up with a 504: no request could count as slow; slowMs is in milliseconds")
        }
        return reader.errors.count == errorsBefore ? config : nil
    }
}
