/// Guardrails at work: the test at each flush, trips, an admin's restore.
///
/// A tripped arm gets no new sessions (`chooseArm` allocates among the others), its
/// sessions are served the control from their next request (`ExperimentEngine.servedArm`),
/// and their views and conversions are not counted while it stays tripped; what it counted
/// before stays in the results.
extension ExperimentRuntime {
    /// Each arm's request counts as its guardrail test judges them: since its last restore.
    public var guardrailReadings: [ArmRequestSnapshot] {
        let baselines = guardrails.baselines
        return requestStats.indices.map { requestStats[$0].snapshot - baselines[$0] }
    }

    /// Tests every arm not tripped yet against the limits; trips those shown to exceed one,
    /// at `time` (seconds since 1970), and returns their trips (each once).
    public func checkGuardrails(at time: Int) -> [GuardrailTrip] {
        guard let guardrailMonitor else { return [] }
        let tripped = Set(guardrails.trips.map(\.arm))
        let trips = guardrailMonitor.trips(guardrailReadings, at: time, alreadyTripped: tripped)
        guard !trips.isEmpty else { return [] }
        // The allocation without them first: a new session that sees the arm tripped must
        // find the policy that leaves it out.
        allowArms { arm in !tripped.contains(arm) && !trips.contains { $0.arm == arm } }
        for trip in trips { guardrails.record(trip) }
        return trips
    }

    /// Untrips `arm`: it gets new sessions again, its sessions are served it from their next
    /// request, and its guardrail test starts over from its counts now (so the errors that
    /// tripped it do not trip it again at once). Returns the trip cleared; nil, and nothing
    /// changes, when the arm is not tripped.
    public func restoreArm(_ arm: Int) -> GuardrailTrip? {
        guard arm > 0, arm < requestStats.count,
            let trip = guardrails.restore(arm, from: requestStats[arm].snapshot)
        else { return nil }
        allowArms { !guardrails.isTripped($0) }
        return trip
    }

    /// Every arm but the control has tripped: everyone is served the control.
    public var servesControlOnly: Bool {
        config.arms.count > 1 && (1..<config.arms.count).allSatisfy { guardrails.isTripped($0) }
    }

    /// New sessions are allocated among the arms `isAllowed` accepts from now on.
    private func allowArms(_ isAllowed: (Int) -> Bool) {
        let allowed = config.arms.indices.filter(isAllowed)
        allocationWithoutTripped.withLock { $0 = ArmSubsetPolicy(config, allowed: allowed) }
        invalidateAllocation()
    }

    /// At a reload: takes over `previous`'s request counts (returned, for
    /// `addRequestCounts`), restore baselines and, when the limits are the same, its trips.
    /// The caller checks that the experiment carried over (same arms, same generation).
    func takeOverGuardrails(from previous: ExperimentRuntime) -> [ArmRequestSnapshot] {
        let taken = previous.requestStats.map(\.snapshot)
        for (stats, counts) in zip(requestStats, taken) { stats.add(counts) }
        let keepingTrips = previous.config.guardrails == config.guardrails && guardrailMonitor != nil
        if keepingTrips {
            let trips = Set(previous.guardrails.trips.map(\.arm))
            if !trips.isEmpty { allowArms { !trips.contains($0) } }
        }
        guardrails.adopt(previous.guardrails, keepingTrips: keepingTrips)
        return taken
    }
}

/// A reload's hand-over of per-arm request counts (see `ExperimentEngine.takeOverGuardrails`).
public struct RequestCountsHandover: Sendable {
    /// By experiment name, the previous engine's counts when they were taken over.
    var taken: [String: [ArmRequestSnapshot]] = [:]
}

extension ExperimentEngine {
    /// At a reload: each experiment that carried over from `previous` (same name, same arms,
    /// same generation once restored) keeps its request counts, its guardrail baselines and,
    /// while its `guardrails` are unchanged, its tripped arms. Changed limits re-judge the
    /// carried counts at the next flush.
    public func takeOverGuardrails(from previous: ExperimentEngine) -> RequestCountsHandover {
        var handover = RequestCountsHandover()
        for experiment in experiments {
            guard let old = previous.experiment(named: experiment.name), old.config.arms == experiment.config.arms,
                old.state.generation == experiment.state.generation
            else { continue }
            handover.taken[experiment.name] = experiment.takeOverGuardrails(from: old)
        }
        return handover
    }

    /// Adds what `previous` counted after `handover`: the requests that were in flight on it
    /// during the reload.
    public func addRequestCounts(finishedSince handover: RequestCountsHandover, on previous: ExperimentEngine) {
        for (name, taken) in handover.taken {
            guard let experiment = experiment(named: name), let old = previous.experiment(named: name) else { continue }
            for (arm, stats) in experiment.requestStats.enumerated() where arm < taken.count {
                stats.add(old.requestStats[arm].snapshot - taken[arm])
            }
        }
    }
}
