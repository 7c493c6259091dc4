/// Guardrails as the API and dashboard show them: per arm its requests and whether it
/// tripped, per experiment the limits and whether only the control is left.
extension ExperimentReport {
    /// An arm's requests (every proxied, non-excluded request of its sessions, this instance,
    /// since it started; kept across reloads), with or without guardrails.
    public struct GuardrailReport: Sendable, Equatable, Encodable {
        /// How many requests of the arm's sessions were proxied.
        public var requests: Int
        /// Share answered 5xx, by the upstream or by the proxy (502/504).
        public var errorRate: Double
        /// Share slower than `guardrails.slowMs` to the upstream's response head; 0 without it.
        public var slowRate: Double
        /// Upstream latency percentiles in milliseconds; absent without requests.
        public var p50Ms: Double?
        /// 95th percentile of upstream latency, in milliseconds; absent without requests.
        public var p95Ms: Double?
        /// The arm's guardrails stopped it: no new sessions, its sessions served the control.
        public var tripped: Bool
        /// When it tripped, in seconds since 1970; absent unless tripped.
        public var trippedAt: Int?
        /// The exceeded limits with the figures at the time: "5xx 4.1% vs control 0.3% (limit +1.0 points)".
        public var reason: String?

        init(_ snapshot: ArmRequestSnapshot, trip: GuardrailTrip?) {
            requests = snapshot.requests
            errorRate = snapshot.errorRate
            slowRate = snapshot.slowRate
            p50Ms = snapshot.p50Milliseconds
            p95Ms = snapshot.p95Milliseconds
            tripped = trip != nil
            trippedAt = trip?.trippedAt
            reason = trip?.reason
        }
    }

    /// An experiment's `guardrails` and where they stand.
    public struct GuardrailsReport: Sendable, Equatable, Encodable {
        /// Largest acceptable excess of an arm's 5xx share over the control's; nil: not checked.
        public var maxErrorRate: Double?
        /// Milliseconds to the upstream's response head above which a request is slow; nil: none is.
        public var slowMs: Int?
        /// Largest acceptable excess of an arm's slow share over the control's; nil: not checked.
        public var maxSlowRate: Double?
        /// Requests an arm needs before it can trip, and the control before it is compared with.
        public var minRequests: Int
        /// The probability, at most, of ever tripping an arm within its limits.
        public var significance: Double
        /// Every arm but the control has tripped: the control is served to everyone.
        public var servesControlOnly: Bool

        init?(_ experiment: ExperimentRuntime) {
            guard let config = experiment.config.guardrails else { return nil }
            maxErrorRate = config.maxErrorRate
            slowMs = config.slowMs
            maxSlowRate = config.maxSlowRate
            minRequests = config.minRequests
            significance = config.significance(experiment: experiment.config.significance)
            servesControlOnly = experiment.servesControlOnly
        }
    }

    /// The sentence for an experiment whose arms but the control have all tripped.
    static func servesControlOnlyWarning(control: String) -> String {
        "every arm but the control tripped its guardrails: \(control) is served to every session "
            + "(restore an arm to put its sessions back)"
    }
}
