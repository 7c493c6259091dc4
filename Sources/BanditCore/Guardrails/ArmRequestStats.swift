import Synchronization

/// What the proxy counted of one arm's requests: every proxied, non-excluded request of its
/// sessions, those answered 5xx, those slower than `slowMs`, and their upstream latencies.
///
/// `record` is a few relaxed atomic adds, no lock and no allocation, so every event loop can
/// call it on the hot path. The counts are this process's only: instances of a fleet each
/// judge their own traffic (adding them up across the fleet is out of scope).
public final class ArmRequestStats: Sendable {
    /// One cell per `LatencyBuckets` bucket. The request count is their sum: one atomic add
    /// per request fewer, and the percentiles always cover exactly the requests counted.
    private let latencyCells: [Counter]
    private let errors = Atomic<Int>(0)
    private let slow = Atomic<Int>(0)

    /// Empty counters.
    public init() {
        latencyCells = (0..<LatencyBuckets.count).map { _ in Counter() }
    }

    /// Counts one request: `status` is the status sent to the client (the upstream's, or the
    /// proxy's own 502/504), `latencyNanoseconds` the time to the upstream's response head
    /// (or to the proxy's own error answer), `slowNanoseconds` the `slowMs` limit, nil when none
    /// is configured (then nothing counts as slow).
    public func record(status: Int, latencyNanoseconds: Int64, slowNanoseconds: Int64?) {
        // Wrapping adds: one locked instruction each, where a checked add is a compare-and-swap
        // loop (a count cannot reach 2^63).
        latencyCells[LatencyBuckets.index(nanoseconds: latencyNanoseconds)].value.wrappingAdd(1, ordering: .relaxed)
        if status >= 500 && status <= 599 { errors.wrappingAdd(1, ordering: .relaxed) }
        if let slowNanoseconds, latencyNanoseconds > slowNanoseconds { slow.wrappingAdd(1, ordering: .relaxed) }
    }

    /// Adds `counts` (another engine's, at a reload). Not for the hot path.
    public func add(_ counts: ArmRequestSnapshot) {
        if counts.latencyCounts.count == latencyCells.count {
            for (cell, count) in zip(latencyCells, counts.latencyCounts) where count > 0 {
                cell.value.wrappingAdd(count, ordering: .relaxed)
            }
        } else if counts.requests > 0 {
            // No latencies kept: the requests still count, in the lowest bucket.
            latencyCells[0].value.wrappingAdd(counts.requests, ordering: .relaxed)
        }
        errors.wrappingAdd(counts.errors, ordering: .relaxed)
        slow.wrappingAdd(counts.slow, ordering: .relaxed)
    }

    /// The counts now. Taken while other threads record, so not one instant's: the error and
    /// slow counts are read first and capped at the request count, which can only lag them by
    /// the few requests in flight.
    public var snapshot: ArmRequestSnapshot {
        let errorCount = errors.load(ordering: .relaxed)
        let slowCount = slow.load(ordering: .relaxed)
        let latencyCounts = latencyCells.map { $0.value.load(ordering: .relaxed) }
        let requests = latencyCounts.reduce(0, +)
        return ArmRequestSnapshot(
            requests: requests, errors: min(errorCount, requests), slow: min(slowCount, requests),
            latencyCounts: latencyCounts)
    }
}

/// One reading of an arm's request counts, for the guardrail tests, the API and the dashboard.
public struct ArmRequestSnapshot: Sendable, Equatable {
    /// Requests counted.
    public var requests: Int
    /// Of which answered with a 5xx status.
    public var errors: Int
    /// Of which slower than `slowMs`.
    public var slow: Int
    /// Requests per `LatencyBuckets` bucket; empty when no latencies were kept (simulations).
    public var latencyCounts: [Int]

    /// A reading made of given counts.
    public init(requests: Int = 0, errors: Int = 0, slow: Int = 0, latencyCounts: [Int] = []) {
        self.requests = requests
        self.errors = errors
        self.slow = slow
        self.latencyCounts = latencyCounts
    }

    /// The share of requests answered 5xx; 0 without requests.
    public var errorRate: Double { requests == 0 ? 0 : Double(errors) / Double(requests) }
    /// The share of requests slower than `slowMs`; 0 without requests.
    public var slowRate: Double { requests == 0 ? 0 : Double(slow) / Double(requests) }
    /// Median upstream latency in milliseconds (interpolated inside its bucket); nil without latencies.
    public var p50Milliseconds: Double? { LatencyBuckets.quantileMilliseconds(0.5, counts: latencyCounts) }
    /// 95th-percentile upstream latency in milliseconds (interpolated inside its bucket).
    public var p95Milliseconds: Double? { LatencyBuckets.quantileMilliseconds(0.95, counts: latencyCounts) }

    /// The 5xx counts as the guardrail test takes them.
    public var errorCount: GuardrailTest.Count { GuardrailTest.Count(events: errors, requests: requests) }
    /// The slow-request counts as the guardrail test takes them.
    public var slowCount: GuardrailTest.Count { GuardrailTest.Count(events: slow, requests: requests) }

    /// What was counted between two readings (after a restore, say, to judge only what came since).
    public static func - (later: ArmRequestSnapshot, earlier: ArmRequestSnapshot) -> ArmRequestSnapshot {
        let buckets =
            earlier.latencyCounts.isEmpty
            ? later.latencyCounts
            : zip(later.latencyCounts, earlier.latencyCounts).map { max(0, $0 - $1) }
        return ArmRequestSnapshot(
            requests: max(0, later.requests - earlier.requests), errors: max(0, later.errors - earlier.errors),
            slow: max(0, later.slow - earlier.slow), latencyCounts: buckets)
    }
}
