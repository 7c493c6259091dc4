import BanditCore

/// What a store holds of one experiment's state when a batch arrives.
struct CurrentState: Sendable, Equatable {
    var status: ExperimentStatus
    var generation: Int
}

extension StoreBatch {
    /// The batch without the parts another instance has overtaken, given what the store holds
    /// now (locked, so it cannot change before the batch is applied).
    ///
    /// Several instances write to a shared store, each from what it last read. Whatever an
    /// instance writes about an older version than the stored one is stale: a state never
    /// takes the generation backwards, a reset or archive of a version someone else already
    /// ended is not repeated, and counts of an ended version are not added to the new one.
    /// A winner-rule decision applies only to an experiment still running in its generation.
    /// With a single writer none of this ever drops anything.
    func withoutStaleWrites(current: [String: CurrentState]) -> StoreBatch {
        var kept = self
        // A reset starts the version its batch's state names; it is stale when that version
        // (or a later one) is stored already, and so is the state that came with it. A reset
        // without a state is a plain store command.
        kept.resets = resets.filter { name in
            guard let now = current[name], let state = states[name] else { return true }
            return state.generation > now.generation
        }
        kept.states = states.filter { name, state in
            guard let now = current[name] else { return true }
            if resets.contains(name) && !kept.resets.contains(name) { return false }
            if state.automatic { return now.status == .running && now.generation == state.generation }
            return state.generation >= now.generation
        }
        kept.archives = archives.filter { archive in
            guard let now = current[archive.experiment] else { return true }
            return archive.generation >= now.generation
        }
        kept.increments = increments.filter { increment in
            guard let generation = increment.generation else { return true }
            let after = max(
                current[increment.experiment]?.generation ?? 0, kept.states[increment.experiment]?.generation ?? 0)
            return generation >= after
        }
        kept.segmentIncrements = segmentIncrements.filter { increment in
            guard let generation = increment.generation else { return true }
            let after = max(
                current[increment.experiment]?.generation ?? 0, kept.states[increment.experiment]?.generation ?? 0)
            return generation >= after
        }
        return kept
    }

    /// The experiments whose stored state decides what of this batch is stale.
    var touchedExperiments: [String] {
        Set(
            increments.map(\.experiment) + segmentIncrements.map(\.experiment) + resets + states.keys
                + archives.map(\.experiment)
        ).sorted()
    }
}
