/// An experiment's `guardrails`: the limits past which an arm stops itself.
///
///     "guardrails": {"maxErrorRate": 0.01, "slowMs": 800, "maxSlowRate": 0.05}
///
/// The rates are absolute differences from the control's (0.01: one percentage point more
/// 5xx answers than the control), or limits on the arm's own rate while the control has too
/// few requests to compare (see `GuardrailTest`).
public struct GuardrailConfig: Sendable, Equatable, Hashable {
    /// The largest acceptable excess of an arm's 5xx share over the control's; nil: not checked.
    public var maxErrorRate: Double?
    /// A request slower than this (time to the upstream's response head) counts as slow; nil:
    /// none does.
    public var slowMs: Int?
    /// The largest acceptable excess of an arm's slow share over the control's; nil: not checked.
    public var maxSlowRate: Double?
    /// The probability, at most, of ever tripping an arm that is within its limits, for the
    /// experiment as a whole; nil: the experiment's `significance`.
    public var significance: Double?
    /// Requests an arm needs before it can trip, and the control before it is compared with.
    public var minRequests: Int

    /// So that one early 500 cannot trip an arm, and the normal approximation of the test
    /// against the control has something to go on (the simulations hold α from 30 on).
    public static let defaultMinRequests = 50
    /// Below this the counts are too coarse for the test against the control.
    public static let leastMinRequests = 30
    /// The longest `slowMs` allowed: a day.
    public static let longestSlowMs = 86_400_000

    /// Limits as given; nil leaves a limit out.
    public init(
        maxErrorRate: Double? = nil, slowMs: Int? = nil, maxSlowRate: Double? = nil, significance: Double? = nil,
        minRequests: Int = GuardrailConfig.defaultMinRequests
    ) {
        self.maxErrorRate = maxErrorRate
        self.slowMs = slowMs
        self.maxSlowRate = maxSlowRate
        self.significance = significance
        self.minRequests = minRequests
    }

    /// Whether any arm can trip: at least one limit on a rate is set.
    public var canTrip: Bool { maxErrorRate != nil || (maxSlowRate != nil && slowMs != nil) }

    /// `slowMs` in nanoseconds, as `ArmRequestStats.record` takes it.
    public var slowNanoseconds: Int64? { slowMs.map { Int64($0) * 1_000_000 } }

    /// The guardrails' α: their own `significance`, else the experiment's.
    public func significance(experiment: Double) -> Double { significance ?? experiment }

    /// Every problem with these values, each at its key under `keyPath` (the `guardrails`
    /// object's own path, e.g. `experiments[0].guardrails`); empty when they are valid.
    public func problems(at keyPath: String) -> [ConfigError] {
        var problems: [ConfigError] = []
        func fail(_ key: String, _ message: String) {
            problems.append(ConfigError(keyPath: keyPath.isEmpty ? key : "\(keyPath).\(key)", message: message))
        }
        if let maxErrorRate, !(maxErrorRate > 0 && maxErrorRate < 1) {
            fail(
                "maxErrorRate",
                "must be above 0 and below 1: how much higher an arm's share of 5xx answers may be than the "
                    + "control's, in absolute terms (0.01 is one percentage point)")
        }
        if let maxSlowRate, !(maxSlowRate > 0 && maxSlowRate < 1) {
            fail(
                "maxSlowRate",
                "must be above 0 and below 1: how much higher an arm's share of requests slower than slowMs may be "
                    + "than the control's, in absolute terms (0.05 is five percentage points)")
        }
        if let slowMs, !(1...Self.longestSlowMs).contains(slowMs) {
            fail(
                "slowMs",
                "must be a whole number of milliseconds from 1 to \(Self.longestSlowMs): the time to the upstream's "
                    + "response head above which a request counts as slow")
        }
        if maxSlowRate != nil && slowMs == nil {
            fail("maxSlowRate", "needs slowMs, the time in milliseconds above which a request counts as slow")
        }
        if let significance, !(significance > 0 && significance <= 0.5) {
            fail(
                "significance",
                "must be above 0 and at most 0.5: the probability of ever stopping an arm that is within its limits")
        }
        if minRequests < Self.leastMinRequests {
            fail(
                "minRequests",
                "must be at least \(Self.leastMinRequests): the requests an arm needs before it can be stopped (and the "
                    + "control before it is compared with)")
        }
        return problems
    }
}
