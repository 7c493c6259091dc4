/// Decides which arms of an experiment trip their guardrails, from per-arm request counts.
///
/// Arm 0 is the control: every other arm is tested against it, on each limit configured
/// (`maxErrorRate`, `maxSlowRate`), with `GuardrailTest`. Pure: no clock, no state; the
/// caller keeps which arms have tripped and when, and passes the time in.
///
/// ## Why at most α false trips per experiment
///
/// With K arms and L limits there are m = (K − 1)·L tests, and each is given α/m
/// (Bonferroni). Each of them, checked at every look forever, trips an arm within its
/// limit with probability ≤ α/m (`GuardrailTest`), so the probability that any arm of the
/// experiment is ever tripped wrongly is ≤ m · α/m = α, as for the winner rule's false
/// winners. The price is ln m in evidence: with two arms and both limits, ln 2 ≈ 0.7 on
/// top of ln(2/α) ≈ 3.7.
public struct GuardrailMonitor: Sendable, Equatable {
    /// The limits.
    public let config: GuardrailConfig
    /// α for the experiment as a whole: the guardrails' own, else the experiment's.
    public let significance: Double

    /// A monitor for `config`, with the experiment's `significance` as the fallback α.
    public init(config: GuardrailConfig, experimentSignificance: Double) {
        self.config = config
        significance = config.significance(experiment: experimentSignificance)
    }

    /// A kind of bad request.
    public enum Metric: String, Sendable, Equatable, CaseIterable {
        /// Answered 5xx, by the upstream or by the proxy (502/504).
        case errors
        /// Slower than `slowMs`.
        case slow
    }

    /// The kinds of bad request with a limit.
    public var metrics: [Metric] { Metric.allCases.filter(hasLimit) }

    /// Whether `metric` has a limit (a slow limit needs `slowMs` too).
    public func hasLimit(_ metric: Metric) -> Bool {
        switch metric {
        case .errors: config.maxErrorRate != nil
        case .slow: config.maxSlowRate != nil && config.slowMs != nil
        }
    }

    /// The α of each single test in an experiment of `arms` arms (the control included).
    public func testSignificance(arms: Int) -> Double {
        let limits = (hasLimit(.errors) ? 1 : 0) + (hasLimit(.slow) ? 1 : 0)
        return significance / Double(max(1, (arms - 1) * limits))
    }

    /// The test of `metric` in an experiment of `arms` arms; nil when the metric has no limit.
    public func test(_ metric: Metric, arms: Int) -> GuardrailTest? {
        let threshold: Double? =
            switch metric {
            case .errors: config.maxErrorRate
            case .slow: config.slowMs == nil ? nil : config.maxSlowRate
            }
        return threshold.map {
            GuardrailTest(threshold: $0, significance: testSignificance(arms: arms), minRequests: config.minRequests)
        }
    }

    /// One limit checked on one arm.
    public struct Check: Sendable, Equatable {
        /// Which kind of bad request.
        public var metric: Metric
        /// The test's figures.
        public var verdict: GuardrailTest.Verdict
        /// `slowMs`, to name the slow limit in the summary.
        public var slowMs: Int?

        /// The figures in words: "5xx 4.1% vs control 0.3% (limit +1.0 points)".
        public var summary: String {
            let name = metric == .errors ? "5xx" : "slow (>\(slowMs ?? 0) ms)"
            let arm = "\(name) \(Self.percent(verdict.armRate))"
            switch verdict.basis {
            case .comparedWithControl:
                return "\(arm) vs control \(Self.percent(verdict.controlRate ?? 0)) "
                    + "(limit +\(Self.points(verdict.threshold)) points)"
            case .outright:
                return "\(arm), control has too few requests to compare (limit \(Self.percent(verdict.threshold)))"
            case .tooFewRequests:
                return "\(arm), too few requests to judge"
            }
        }

        /// A rate as a percentage with one decimal: 0.0412 → "4.1%".
        static func percent(_ rate: Double) -> String { "\(points(rate))%" }

        /// A rate in percentage points with one decimal: 0.01 → "1.0".
        static func points(_ rate: Double) -> String {
            let tenths = Int((rate * 1000).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
    }

    /// Every limit checked on one arm.
    public struct Assessment: Sendable, Equatable {
        /// The arm's index (never 0, the control).
        public var arm: Int
        /// One check per limit configured.
        public var checks: [Check]

        /// Whether any limit is shown to be exceeded.
        public var tripped: Bool { checks.contains { $0.verdict.tripped } }
        /// The exceeded limits in words, for the log, the API and the dashboard; nil when none is.
        public var reason: String? {
            let exceeded = checks.filter(\.verdict.tripped).map(\.summary)
            return exceeded.isEmpty ? nil : exceeded.joined(separator: "; ")
        }
    }

    /// The checks of every arm but the control, from `arms` (one reading per arm, arm 0 the
    /// control). Empty with fewer than two arms or no limit.
    public func assess(_ arms: [ArmRequestSnapshot]) -> [Assessment] {
        guard arms.count >= 2 else { return [] }
        // Plain loops: the simulations call this after every ten requests, in debug builds too.
        let errorTest = test(.errors, arms: arms.count)
        let slowTest = test(.slow, arms: arms.count)
        guard errorTest != nil || slowTest != nil else { return [] }
        var assessments: [Assessment] = []
        assessments.reserveCapacity(arms.count - 1)
        for arm in 1..<arms.count {
            var checks: [Check] = []
            if let errorTest {
                let verdict = errorTest.verdict(arm: arms[arm].errorCount, control: arms[0].errorCount)
                checks.append(Check(metric: .errors, verdict: verdict, slowMs: config.slowMs))
            }
            if let slowTest {
                let verdict = slowTest.verdict(arm: arms[arm].slowCount, control: arms[0].slowCount)
                checks.append(Check(metric: .slow, verdict: verdict, slowMs: config.slowMs))
            }
            assessments.append(Assessment(arm: arm, checks: checks))
        }
        return assessments
    }

    /// The arms that trip now, at `time` (seconds since 1970, the caller's clock), leaving out
    /// those in `alreadyTripped`.
    public func trips(_ arms: [ArmRequestSnapshot], at time: Int, alreadyTripped: Set<Int> = []) -> [GuardrailTrip] {
        assess(arms).compactMap { assessment in
            guard !alreadyTripped.contains(assessment.arm), let reason = assessment.reason else { return nil }
            return GuardrailTrip(arm: assessment.arm, trippedAt: time, reason: reason, checks: assessment.checks)
        }
    }
}

/// An arm stopped by its guardrails: when, why, and the figures.
public struct GuardrailTrip: Sendable, Equatable {
    /// The arm's index.
    public var arm: Int
    /// Seconds since 1970, as the caller gave it.
    public var trippedAt: Int
    /// The exceeded limits in words: "5xx 4.1% vs control 0.3% (limit +1.0 points)".
    public var reason: String
    /// Every limit's check at the time, the exceeded ones and the others.
    public var checks: [Check]

    /// One check, as `GuardrailMonitor` makes it.
    public typealias Check = GuardrailMonitor.Check

    /// A trip as given.
    public init(arm: Int, trippedAt: Int, reason: String, checks: [Check]) {
        self.arm = arm
        self.trippedAt = trippedAt
        self.reason = reason
        self.checks = checks
    }
}
