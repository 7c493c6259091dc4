import BanditCore

extension StateKeeper {
    /// Reads back a shared store after this instance's write: the global counts its policies
    /// and winner rule use, and the states (pause, winner, reset) other instances wrote.
    ///
    /// The engine's counts become stored + what this instance counted and has not written
    /// yet. That is done by adding `stored − flushed` (what the others added since the last
    /// read) to the live counters, never by overwriting them, so a view counted by an event
    /// loop during the read is not lost.
    func refresh() async throws {
        let stored = try await store.load()
        for experiment in engine.experiments {
            guard let saved = stored.experiments[experiment.name] else { continue }
            let index = experiment.index
            let arms = experiment.config.arms
            let savedCounts = arms.map { saved.arms[$0] ?? ArmCounts() }
            let local = experiment.state
            // A state changed here wins until it is written; the store drops it if it is stale
            // by then, and the next read adopts what won.
            let changedHere = dirtyStates.contains(index) || pendingResets.contains(index)
            warnIfArmsDiffer(experiment, stored: saved.armNames)
            if saved.generation == local.generation {
                for arm in arms.indices {
                    let others = savedCounts[arm] - flushed[index][arm]
                    experiment.add(
                        arm: arm, assignments: others.assignments, views: others.views, conversions: others.conversions,
                        confirmedViews: others.confirmedViews)
                    flushed[index][arm] = savedCounts[arm]
                }
                experiment.segmentCounts?.replaceStored(experiment.segmentCells(saved.segments))
                if !changedHere { adopt(saved, in: experiment) }
            } else if saved.generation > local.generation && !changedHere {
                // Another instance reset the experiment or started it with other arms: the
                // sessions of the old version are re-randomised, so what this instance counted
                // for it and has not written is void. (A view counted between these two
                // stores lands in the new version: the same tiny window a local reset has.)
                for arm in arms.indices { experiment.setCounts(arm: arm, savedCounts[arm]) }
                flushed[index] = savedCounts
                experiment.segmentCounts?.reset()
                experiment.segmentCounts?.replaceStored(experiment.segmentCells(saved.segments))
                adopt(saved, in: experiment)
                logger.notice(
                    "experiment started over on another instance",
                    metadata: ["experiment": "\(experiment.name)", "generation": "\(saved.generation)"])
            }
            // An older stored generation means this instance's newer one is on its way.
        }
    }

    /// Takes the stored status, winner and generation, as `restore()` does.
    private func adopt(_ saved: StoredExperiment, in experiment: ExperimentRuntime) {
        let winner = saved.winner.flatMap { experiment.config.arms.firstIndex(of: $0) }
        // A winner this instance's config does not have cannot be served: keep running.
        let status = saved.status == .decided && winner == nil ? .running : saved.status
        let adopted = ExperimentRuntime.State(
            status: status, winner: status == .decided ? winner : nil, generation: saved.generation)
        guard adopted != experiment.state else { return }
        experiment.setState(adopted)
        logger.notice(
            "experiment state changed on another instance",
            metadata: [
                "experiment": "\(experiment.name)", "status": "\(status.rawValue)",
                "winner": "\(adopted.winner.map { experiment.config.arms[$0] } ?? "none")",
            ])
    }

    /// During a rolling deploy two configs may run side by side; say so once per variant.
    private func warnIfArmsDiffer(_ experiment: ExperimentRuntime, stored: [String]?) {
        guard let stored, stored != experiment.config.arms, warnedArms[experiment.index] != stored else { return }
        warnedArms[experiment.index] = stored
        logger.warning(
            "another instance runs this experiment with other arms; restart every instance with the same config",
            metadata: ["experiment": "\(experiment.name)", "theirs": "\(stored)", "ours": "\(experiment.config.arms)"])
    }
}
