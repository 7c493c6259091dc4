import Synchronization

/// Which arms of one experiment have tripped their guardrails, when and why, and where each
/// arm's guardrail counts start (an admin's restore starts them afresh).
///
/// `isTripped` runs on every request of the experiment's sessions: one relaxed atomic load
/// while no arm has tripped, two when one has. The rest changes only at a flush (a trip) or
/// by an admin (a restore), under a lock.
public final class GuardrailState: Sendable {
    /// How many arms are tripped now: 0 spares every request the per-arm load.
    private let trippedArms = Atomic<Int>(0)
    /// 1 for a tripped arm, one per arm.
    private let flags: [Counter]
    private let details: Mutex<Details>

    struct Details {
        /// The trip of each tripped arm.
        var trips: [Int: GuardrailTrip] = [:]
        /// Per arm, its request counts when it was last restored: the test judges what came since.
        var baselines: [ArmRequestSnapshot]
    }

    /// No arm tripped, every count judged from 0.
    public init(arms: Int) {
        flags = (0..<arms).map { _ in Counter() }
        details = Mutex(Details(baselines: Array(repeating: ArmRequestSnapshot(), count: arms)))
    }

    /// Whether `arm`'s sessions are served the control and it gets no new ones.
    @inline(__always)
    public func isTripped(_ arm: Int) -> Bool {
        trippedArms.load(ordering: .relaxed) != 0 && arm < flags.count && flags[arm].value.load(ordering: .relaxed) != 0
    }

    /// Whether any arm is tripped.
    public var anyTripped: Bool { trippedArms.load(ordering: .relaxed) != 0 }

    /// The arms tripped now, by arm.
    public var trips: [GuardrailTrip] { details.withLock { $0.trips.values.sorted { $0.arm < $1.arm } } }

    /// The trip of `arm`, if it is tripped.
    public func trip(of arm: Int) -> GuardrailTrip? { details.withLock { $0.trips[arm] } }

    /// Per arm, the counts its guardrail test started from.
    public var baselines: [ArmRequestSnapshot] { details.withLock { $0.baselines } }

    /// Marks `trip.arm` tripped (the control, arm 0, never is).
    func record(_ trip: GuardrailTrip) {
        guard trip.arm > 0, trip.arm < flags.count else { return }
        details.withLock { details in
            if details.trips.updateValue(trip, forKey: trip.arm) == nil {
                flags[trip.arm].value.store(1, ordering: .relaxed)
                trippedArms.wrappingAdd(1, ordering: .relaxed)
            }
        }
    }

    /// Untrips `arm`, its guardrail test starting again from `counts`; returns the trip it
    /// cleared, nil (and nothing changed) when the arm was not tripped.
    func restore(_ arm: Int, from counts: ArmRequestSnapshot) -> GuardrailTrip? {
        guard arm < flags.count else { return nil }
        return details.withLock { details in
            guard let trip = details.trips.removeValue(forKey: arm) else { return nil }
            details.baselines[arm] = counts
            flags[arm].value.store(0, ordering: .relaxed)
            trippedArms.wrappingSubtract(1, ordering: .relaxed)
            return trip
        }
    }

    /// Takes `previous`'s baselines, and its trips when `keepingTrips` (a reload whose limits
    /// did not change): the arms are the same, by position.
    func adopt(_ previous: GuardrailState, keepingTrips: Bool) {
        let (trips, baselines) = previous.details.withLock { ($0.trips, $0.baselines) }
        guard baselines.count == flags.count else { return }
        details.withLock { $0.baselines = baselines }
        if keepingTrips { for trip in trips.values { record(trip) } }
    }
}
