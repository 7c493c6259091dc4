public import BanditCore
import Foundation
public import Logging
import Synchronization

/// Moves state between the live engine and the store, off the event loops.
///
/// Every `flushInterval` it writes what was counted since the last successful write and
/// checks each running experiment's winner rule. Admin actions go through it too, so they
/// are ordered with the flushes and persisted at once. A failed write keeps everything in
/// memory and is retried, less often while it keeps failing; `health` tells the admin API.
/// On a store shared by several instances, each flush also reads back the global counts
/// and states (see StateKeeper+Refresh.swift).
public actor StateKeeper {
    public nonisolated let engine: ExperimentEngine
    let store: any StateStore
    let logger: Logger
    /// Totals as of the last successful write (or, on a shared store, the last read), per
    /// experiment and arm. The engine's counts minus these are what is not written yet.
    var flushed: [[ArmCounts]]
    /// Experiments whose state changed here and is not written yet.
    var dirtyStates: Set<Int> = []
    /// Of those, the ones this instance changed on its own (the winner rule, or recording the
    /// arms at start), with no admin action since: another instance's admin action wins.
    private var automaticStates: Set<Int> = []
    var pendingResets: Set<Int> = []
    private var pendingArchives: [ArchivedVersion] = []
    private let lastFailure = Mutex<String?>(nil)
    /// Set once a reload handed this keeper's work to a successor: its loop stops writing.
    private var retired = false
    /// A flush is writing; others wait their turn (see `flush`).
    private var flushing = false
    private var waitingToFlush: [CheckedContinuation<Void, Never>] = []
    /// Arms another instance ran an experiment with, once warned about.
    var warnedArms: [Int: [String]] = [:]

    public init(engine: ExperimentEngine, store: any StateStore, logger: Logger) {
        self.engine = engine
        self.store = store
        self.logger = logger
        flushed = engine.experiments.map { Array(repeating: ArmCounts(), count: $0.config.arms.count) }
    }

    /// Nil when the last write succeeded, else why it failed. Readable from any thread.
    public nonisolated var health: String? { lastFailure.withLock { $0 } }

    /// Loads stored counts and states into the engine. Call once, before serving.
    ///
    /// An experiment keeps its counts while its arms stay the same, in the same order (the
    /// session cookie remembers arms by position). When they changed, the stored version is
    /// archived in the history and the experiment starts over as a new generation, so no
    /// session keeps an arm that now means something else.
    public func restore() async throws {
        defer { for experiment in engine.experiments { experiment.refreshAllocation() } }
        let stored = try await store.load()
        for experiment in engine.experiments {
            let arms = experiment.config.arms
            guard let saved = stored.experiments[experiment.name] else {
                dirtyStates.insert(experiment.index)  // record the arms this version runs with
                automaticStates.insert(experiment.index)
                continue
            }
            // A file from before versions existed is at version 1.
            let savedVersion = saved.version ?? 1
            let previousArms = saved.armNames ?? arms
            if previousArms != arms || savedVersion != experiment.config.version {
                let reason = previousArms != arms ? "arms changed" : "version changed"
                pendingArchives.append(
                    ArchivedVersion(
                        experiment: experiment.name, generation: saved.generation, reason: reason,
                        endedAt: Self.now(),
                        arms: previousArms.map {
                            ArchivedVersion.Arm(name: $0, counts: saved.arms[$0] ?? ArmCounts())
                        }))
                pendingResets.insert(experiment.index)
                experiment.setState(.init(status: .running, winner: nil, generation: saved.generation + 1))
                dirtyStates.insert(experiment.index)
                logger.notice(
                    "experiment \(reason): the earlier version is kept in its history and counting starts over",
                    metadata: [
                        "experiment": "\(experiment.name)", "arms": "\(previousArms) → \(arms)",
                        "version": "\(savedVersion) → \(experiment.config.version)",
                    ])
                continue
            }
            if saved.armNames == nil || saved.version == nil {
                dirtyStates.insert(experiment.index)
                automaticStates.insert(experiment.index)
            }
            for (arm, name) in arms.enumerated() {
                let counts = saved.arms[name] ?? ArmCounts()
                experiment.setCounts(arm: arm, counts)
                flushed[experiment.index][arm] = counts
            }
            experiment.segmentCounts?.replaceStored(experiment.segmentCells(saved.segments))
            let winner = saved.winner.flatMap { arms.firstIndex(of: $0) }
            // A winner whose arm left the config cannot be served: run again.
            let status = saved.status == .decided && winner == nil ? .running : saved.status
            experiment.setState(
                .init(status: status, winner: status == .decided ? winner : nil, generation: saved.generation))
        }
    }

    /// Earlier versions of an experiment, oldest first.
    public func history(_ experiment: ExperimentRuntime) async throws -> [ArchivedVersion] {
        try await store.history(experiment: experiment.name)
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    /// Flushes and checks winners every `interval` until the task is cancelled; after a
    /// failed flush it waits longer (`RetryBackoff`). The caller flushes once more after
    /// cancelling: a cancelled task cannot do storage work.
    public func run(every interval: Duration) async {
        var backoff = RetryBackoff(interval: interval)
        while true {
            do {
                try await Task.sleep(for: backoff.delay)
            } catch {
                return
            }
            if retired { continue }
            checkGuardrails()
            decideWinners()
            for experiment in engine.experiments { experiment.refreshAllocation() }
            backoff.record(success: await flush())
        }
    }

    // MARK: reload

    /// Writes everything counted so far and stops the periodic writes, so a successor can
    /// restore from the store and find it all. `resume()` undoes it if the successor fails.
    @discardableResult
    public func retire() async -> Bool {
        retired = true
        return await flush()
    }

    public func resume() { retired = false }

    /// What was counted since the last write, by experiment and arm: the counts of requests
    /// that were still in flight when a reload retired this keeper.
    public func unwritten() -> [StoreBatch.Increment] {
        var totals = flushed
        return engine.experiments.flatMap { experiment in
            countedSinceWrite(experiment, generation: experiment.state.generation, totals: &totals)
        }
    }

    /// What was counted by segment since the last write (taken out: this keeper is retired).
    public func unwrittenSegments() -> [StoreBatch.SegmentIncrement] {
        engine.experiments.flatMap { $0.takeUnwrittenSegments(generation: $0.state.generation).increments }
    }

    /// Adds a retired keeper's last segment counts, for experiments whose version carried over.
    public func absorbSegments(_ increments: [StoreBatch.SegmentIncrement], generations: [String: Int]) {
        for experiment in engine.experiments where generations[experiment.name] == experiment.state.generation {
            experiment.absorbSegments(increments)
        }
    }

    /// Each arm's counts since the last successful write, read once: `totals` receives the
    /// readings, which become `flushed` when the write succeeds.
    private func countedSinceWrite(
        _ experiment: ExperimentRuntime, generation: Int, totals: inout [[ArmCounts]]
    ) -> [StoreBatch.Increment] {
        var increments: [StoreBatch.Increment] = []
        for (arm, name) in experiment.config.arms.enumerated() {
            let now = experiment.counts(arm: arm)
            let delta = now - flushed[experiment.index][arm]
            if delta != ArmCounts() {
                increments.append(.init(experiment: experiment.name, arm: name, delta: delta, generation: generation))
            }
            totals[experiment.index][arm] = now
        }
        return increments
    }

    /// Adds a retired keeper's last counts to this engine, for experiments whose version
    /// carried over (same arms, same generation); returns how many could not be placed.
    public func absorb(_ increments: [StoreBatch.Increment], generations: [String: Int]) -> Int {
        var dropped = 0
        for increment in increments {
            guard let experiment = engine.experiment(named: increment.experiment),
                let arm = experiment.config.arms.firstIndex(of: increment.arm),
                generations[increment.experiment] == experiment.state.generation
            else {
                dropped += increment.delta.assignments + increment.delta.views + increment.delta.conversions
                continue
            }
            experiment.add(
                arm: arm, assignments: increment.delta.assignments, views: increment.delta.views,
                conversions: increment.delta.conversions, confirmedViews: increment.delta.confirmedViews)
        }
        return dropped
    }

    /// Writes everything counted since the last successful write and, on a shared store,
    /// reads back what the other instances wrote. Returns whether it succeeded.
    ///
    /// Flushes take turns: one suspends while the store writes, and the actor would let
    /// another (the periodic tick, an admin action, shutdown) compute the same delta against
    /// the totals not yet updated and write it a second time.
    @discardableResult
    public func flush() async -> Bool {
        while flushing { await withCheckedContinuation { waitingToFlush.append($0) } }
        flushing = true
        defer {
            flushing = false
            if !waitingToFlush.isEmpty { waitingToFlush.removeFirst().resume() }
        }
        guard await write() else { return false }
        if store.isShared {
            do {
                try await refresh()
            } catch {
                report("storage read failed: \(error)")
                return false
            }
        }
        if lastFailure.withLock({ $0 }) != nil { logger.notice("storage writes succeed again") }
        lastFailure.withLock { $0 = nil }
        return true
    }

    /// One batch: what is pending is taken out for it and put back if the write fails, so
    /// that admin actions made while the store works are neither lost nor written early.
    private func write() async -> Bool {
        let archives = pendingArchives
        let resets = pendingResets
        let dirty = dirtyStates
        let automatic = automaticStates
        pendingArchives = []
        pendingResets = []
        dirtyStates = []
        automaticStates = []
        var batch = StoreBatch()
        batch.archives = archives
        var totals = flushed
        var generations: [Int] = []
        var segmentCells: [[SegmentCell: SegmentTally]] = []
        for experiment in engine.experiments {
            let state = experiment.state
            generations.append(state.generation)
            if resets.contains(experiment.index) { batch.resets.append(experiment.name) }
            batch.increments += countedSinceWrite(experiment, generation: state.generation, totals: &totals)
            let segments = experiment.takeUnwrittenSegments(generation: state.generation)
            segmentCells.append(segments.cells)
            batch.segmentIncrements += segments.increments
            if dirty.contains(experiment.index) {
                batch.states[experiment.name] = .init(
                    status: state.status, winner: state.winner.map { experiment.config.arms[$0] },
                    generation: state.generation, arms: experiment.config.arms, version: experiment.config.version,
                    automatic: automatic.contains(experiment.index))
            }
        }
        guard !batch.isEmpty else { return true }
        do {
            try await store.write(batch)
        } catch {
            // Segment counts wait for the next batch, unless a reset voided them meanwhile.
            for experiment in engine.experiments where experiment.state.generation == generations[experiment.index] {
                experiment.segmentCounts?.notWritten(segmentCells[experiment.index])
            }
            pendingArchives = archives + pendingArchives
            pendingResets.formUnion(resets)
            // A state changed again meanwhile is the admin's now, not the rule's.
            automaticStates.formUnion(automatic.subtracting(dirtyStates))
            dirtyStates.formUnion(dirty)
            report("storage write failed: \(error)")
            return false
        }
        // A reset during the write zeroed `flushed` for its experiment; keep that.
        for experiment in engine.experiments where experiment.state.generation == generations[experiment.index] {
            flushed[experiment.index] = totals[experiment.index]
            experiment.segmentCounts?.written(segmentCells[experiment.index])
        }
        return true
    }

    private func report(_ reason: String) {
        if lastFailure.withLock({ $0 }) == nil { logger.error("\(reason); counts are kept in memory and retried") }
        lastFailure.withLock { $0 = reason }
    }

    /// Applies each running experiment's winner rule to its current counts.
    public func decideWinners() {
        for experiment in engine.experiments where experiment.state.status == .running {
            guard let verdict = experiment.winnerRule.verdict(experiment.evidence) else { continue }
            // A winner is served to everyone: never an arm its guardrails stopped.
            if case .winner(let winner) = verdict, experiment.guardrails.isTripped(winner) { continue }
            var state = experiment.state
            state.status = .decided
            switch verdict {
            case .winner(let winner):
                state.winner = winner
                logger.notice(
                    "experiment decided",
                    metadata: ["experiment": "\(experiment.name)", "winner": "\(experiment.config.arms[winner])"])
            case .noMeaningfulDifference:
                // New sessions get the first arm; sessions already assigned keep theirs.
                state.winner = nil
                logger.notice(
                    "experiment decided: no meaningful difference",
                    metadata: [
                        "experiment": "\(experiment.name)",
                        "minDetectableEffect": "\(experiment.config.minDetectableEffect)",
                    ])
            }
            experiment.setState(state)
            dirtyStates.insert(experiment.index)
            automaticStates.insert(experiment.index)
        }
    }

    /// The hourly counts of an experiment as stored (up to one flush interval behind).
    public func series(_ experiment: ExperimentRuntime) async throws -> [SeriesPoint] {
        try await store.series(experiment: experiment.name)
    }

    // MARK: admin actions

    public func pause(_ experiment: ExperimentRuntime) async {
        var state = experiment.state
        state.status = .paused
        await change(experiment, to: state)
    }

    /// Back to running, or to decided when a winner had been declared before the pause.
    public func resume(_ experiment: ExperimentRuntime) async {
        var state = experiment.state
        state.status = state.winner == nil ? .running : .decided
        await change(experiment, to: state)
    }

    public func declareWinner(_ experiment: ExperimentRuntime, arm: Int) async {
        var state = experiment.state
        state.status = .decided
        state.winner = arm
        await change(experiment, to: state)
    }

    /// Zeroes the counts, clears the winner and voids every assignment (a new generation).
    public func reset(_ experiment: ExperimentRuntime) async {
        let state = experiment.state
        pendingArchives.append(
            ArchivedVersion(
                experiment: experiment.name, generation: state.generation, reason: "reset", endedAt: Self.now(),
                arms: zip(experiment.config.arms, experiment.counts).map { ArchivedVersion.Arm(name: $0, counts: $1) }))
        for arm in experiment.config.arms.indices {
            experiment.setCounts(arm: arm, ArmCounts())
            flushed[experiment.index][arm] = ArmCounts()
        }
        experiment.segmentCounts?.reset()
        pendingResets.insert(experiment.index)
        await change(experiment, to: .init(status: .running, winner: nil, generation: state.generation + 1))
    }

    private func change(_ experiment: ExperimentRuntime, to state: ExperimentRuntime.State) async {
        experiment.setState(state)
        dirtyStates.insert(experiment.index)
        automaticStates.remove(experiment.index)
        await flush()
    }
}
