import Synchronization

/// The live state of one configured experiment, shared by every event loop.
///
/// Reads on the hot path are single atomic loads; no locks. Counts are totals (what was
/// loaded from storage plus what this process counted since), which the policies read.
public final class ExperimentRuntime: Sendable {
    /// The experiment as configured.
    public let config: ExperimentConfig
    /// Position in `ProxyConfig.experiments`.
    public let index: Int
    /// The configured policy (algorithm, weights, floors); new sessions go by it while no arm is tripped.
    public let policy: any BanditPolicy
    /// Declares a winner, or no meaningful difference, by `significance`, `minViews` and `minDetectableEffect`.
    public let winnerRule: WinnerRule
    private let armCounters: [ArmCounter]
    /// Status, winner and generation packed in one word so a reader never sees a torn mix.
    private let packedState = Atomic<Int>(0)
    /// P(best) for the counts it was computed from: Monte Carlo for many arms costs
    /// milliseconds, so the API and dashboard recompute only when the counts change.
    private let probabilityBestCache = Mutex<(counts: [ArmCounts], result: [Double])?>(nil)
    /// The policy's allocation (the propensity of each arm for a new session) and the counts
    /// it was computed from; refreshed by the state keeper, not on the request path.
    private let allocationSnapshot = Mutex<(counts: [ArmCounts], shares: [Double]?)?>(nil)
    /// New sessions served but never counted, since this process started, by reason.
    private let overBudgetSessions = Atomic<Int>(0)
    /// Per arm, the requests of its sessions as the proxy answered them: 5xx share and upstream
    /// latency, shown whether or not guardrails are set (counts of this process).
    public let requestStats: [ArmRequestStats]
    /// Views and conversions by segment value, for experiments with `segments`.
    public let segmentCounts: SegmentCounts?
    /// `guardrails.slowMs` in nanoseconds, read on every request: a request slower than this
    /// to the upstream's response head counts as slow. Nil: none does.
    public let slowNanoseconds: Int64?
    /// The arms tripped by their guardrails (see ExperimentRuntime+Guardrails.swift).
    public let guardrails: GuardrailState
    /// The test of `config.guardrails`; nil when no limit is set (nothing can trip).
    public let guardrailMonitor: GuardrailMonitor?
    /// While an arm is tripped: the allocation among the others (`ArmSubsetPolicy`).
    let allocationWithoutTripped = Mutex<(any BanditPolicy)?>(nil)
    /// Per arm, responses edited by its `html` edits, and per edit how many it matched in
    /// (since this process started): a selector the site's markup no longer has shows as 0.
    private let editedResponses: [Counter]
    private let editMatches: [[Counter]]
    /// For click and submit goals: pages the goal script was added to, and pages whose
    /// Content-Security-Policy would have blocked it (left without it: those goals go uncounted).
    private let goalScriptPages = Counter()
    private let goalScriptBlockedPages = Counter()

    /// The live state of `config`, at position `index` of the configuration: no counts, running.
    public init(config: ExperimentConfig, index: Int) {
        self.config = config
        self.index = index
        policy = config.allocationPolicy
        winnerRule = WinnerRule(
            significance: config.significance, minViews: config.minViews,
            minDetectableEffect: config.minDetectableEffect)
        armCounters = config.arms.map { _ in ArmCounter() }
        requestStats = config.arms.map { _ in ArmRequestStats() }
        slowNanoseconds = config.guardrails?.slowNanoseconds
        guardrails = GuardrailState(arms: config.arms.count)
        guardrailMonitor = config.guardrails.flatMap { limits in
            limits.canTrip ? GuardrailMonitor(config: limits, experimentSignificance: config.significance) : nil
        }
        editedResponses = config.arms.map { _ in Counter() }
        segmentCounts = config.segments.isEmpty ? nil : SegmentCounts(segments: config.segments)
        editMatches = config.armVariants.map { $0.html.map { _ in Counter() } }
    }

    func recordEditedResponse(arm: Int, matched: ArraySlice<Bool>) {
        editedResponses[arm].value.wrappingAdd(1, ordering: .relaxed)
        for (edit, didMatch) in zip(editMatches[arm], matched) where didMatch {
            edit.value.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Counts one HTML page of a session in this experiment that got the goal script, or that
    /// its Content-Security-Policy kept from getting it.
    public func recordGoalScript(blocked: Bool) {
        (blocked ? goalScriptBlockedPages : goalScriptPages).value.wrappingAdd(1, ordering: .relaxed)
    }

    /// Pages that got the goal script, and pages whose Content-Security-Policy blocked it.
    public var goalScriptCounts: (pages: Int, blocked: Int) {
        (goalScriptPages.value.load(ordering: .relaxed), goalScriptBlockedPages.value.load(ordering: .relaxed))
    }

    /// Responses edited for `arm`, and per edit how many of them it matched.
    public func editCounts(arm: Int) -> (responses: Int, matches: [Int]) {
        (
            editedResponses[arm].value.load(ordering: .relaxed),
            editMatches[arm].map { $0.value.load(ordering: .relaxed) }
        )
    }

    /// The experiment's name, unique among experiments.
    public var name: String { config.name }

    /// Why a session is served but its views and conversions are not counted.
    public enum UncountedReason: String, Sendable, CaseIterable {
        /// Its address opened more than `limits.newSessionsPerMinute` new sessions a minute.
        case overBudget = "over_budget"
    }

    func sessionLeftUncounted(_ reason: UncountedReason) {
        switch reason {
        case .overBudget: overBudgetSessions.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// How many new sessions this process served without counting them, for `reason`.
    public func uncountedSessions(_ reason: UncountedReason) -> Int {
        switch reason {
        case .overBudget: overBudgetSessions.load(ordering: .relaxed)
        }
    }

    // MARK: state

    /// Where the experiment stands: status, winner and generation, stored and read as one.
    public struct State: Sendable, Equatable {
        /// Whether the experiment runs, is decided or is paused.
        public var status: ExperimentStatus
        /// Arm index of the declared winner (status `decided`), else nil.
        public var winner: Int?
        /// Bumped by every reset; assignments from older generations are void.
        public var generation: Int

        /// A state from its parts; by default running, undecided, generation 0.
        public init(status: ExperimentStatus = .running, winner: Int? = nil, generation: Int = 0) {
            self.status = status
            self.winner = winner
            self.generation = generation
        }
    }

    /// The current status, winner and generation, read in one atomic load.
    public var state: State {
        let word = packedState.load(ordering: .acquiring)
        let status: ExperimentStatus =
            switch word & 0xF {
            case 1: .decided
            case 2: .paused
            default: .running
            }
        let winnerPlusOne = (word >> 4) & 0xFFFF
        return State(status: status, winner: winnerPlusOne == 0 ? nil : winnerPlusOne - 1, generation: word >> 20)
    }

    /// Replaces status, winner and generation in one atomic store (readers never see a mix).
    public func setState(_ state: State) {
        let statusCode =
            switch state.status {
            case .running: 0
            case .decided: 1
            case .paused: 2
            }
        let winnerPlusOne = state.winner.map { $0 + 1 } ?? 0
        packedState.store(state.generation << 20 | winnerPlusOne << 4 | statusCode, ordering: .releasing)
    }

    // MARK: counts

    /// P(each arm is best) under Beta(1 + conversions, 1 + failures) posteriors, for `counts`.
    public func probabilityBest(for counts: [ArmCounts]) -> [Double] {
        if let cached = probabilityBestCache.withLock({ $0 }), cached.counts == counts { return cached.result }
        let result = ProbabilityBest.estimate(counts)
        probabilityBestCache.withLock { $0 = (counts, result) }
        return result
    }

    /// Every arm's totals (loaded from storage plus counted since), by arm index.
    public var counts: [ArmCounts] { armCounters.map { $0.counts } }

    /// The share of new sessions each arm gets now; nil for a deterministic policy (UCB1).
    public var allocation: [Double]? { allocationSnapshot.withLock { $0?.shares } }

    /// Recomputes `allocation` if the counts changed since (Monte Carlo for three or more
    /// Thompson arms costs about a millisecond).
    public func refreshAllocation() {
        let now = evidence
        if let snapshot = allocationSnapshot.withLock({ $0 }), snapshot.counts == now { return }
        let shares = allocationPolicy.probabilities(now)
        allocationSnapshot.withLock { $0 = (now, shares) }
    }

    /// Forgets the allocation, so that the next `refreshAllocation` recomputes it (the arms
    /// it may choose changed).
    func invalidateAllocation() { allocationSnapshot.withLock { $0 = nil } }

    /// The policy new sessions are allocated by now: the configured one, or while an arm is
    /// tripped the same among the others.
    var allocationPolicy: any BanditPolicy {
        guard guardrails.anyTripped, let restricted = allocationWithoutTripped.withLock({ $0 }) else { return policy }
        return restricted
    }

    /// The arm for a new session: the policy's pick among the arms not tripped.
    func chooseArm<R: RandomNumberGenerator>(using rng: inout R) -> Int {
        // One relaxed load while no arm is tripped: the lock is taken only while one is.
        guard guardrails.anyTripped else { return policy.choose(evidence, using: &rng) }
        return allocationPolicy.choose(evidence, using: &rng)
    }

    /// One arm's totals (loaded from storage plus counted since).
    public func counts(arm: Int) -> ArmCounts { armCounters[arm].counts }

    /// Adds these counts to one arm's totals, atomically and without a lock.
    public func add(arm: Int, assignments: Int = 0, views: Int = 0, conversions: Int = 0, confirmedViews: Int = 0) {
        armCounters[arm].add(
            assignments: assignments, views: views, conversions: conversions, confirmedViews: confirmedViews)
    }

    /// The counts the policy, the winner rule and P(best) go by: with `countViews:
    /// "confirmed"`, only views whose session came back with its cookie.
    public var evidence: [ArmCounts] {
        config.countViews == .confirmed ? counts.map(\.confirmedOnly) : counts
    }

    /// Replaces the totals (used when loading from storage and on reset).
    public func setCounts(arm: Int, _ counts: ArmCounts) {
        armCounters[arm].set(counts)
    }
}

/// One atomic count, for arrays of them.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Four atomic counters for one arm.
final class ArmCounter: Sendable {
    private let assignments = Atomic<Int>(0)
    private let views = Atomic<Int>(0)
    private let conversions = Atomic<Int>(0)
    private let confirmedViews = Atomic<Int>(0)

    var counts: ArmCounts {
        ArmCounts(
            assignments: assignments.load(ordering: .relaxed),
            views: views.load(ordering: .relaxed),
            conversions: conversions.load(ordering: .relaxed),
            confirmedViews: confirmedViews.load(ordering: .relaxed))
    }

    /// Wrapping adds: one locked instruction each, where a checked `add` is a
    /// compare-and-swap loop that retries whenever the other event loop counts at the same
    /// moment. (A count cannot reach 2^63.)
    func add(assignments a: Int, views v: Int, conversions c: Int, confirmedViews k: Int) {
        if a != 0 { assignments.wrappingAdd(a, ordering: .relaxed) }
        if v != 0 { views.wrappingAdd(v, ordering: .relaxed) }
        if c != 0 { conversions.wrappingAdd(c, ordering: .relaxed) }
        if k != 0 { confirmedViews.wrappingAdd(k, ordering: .relaxed) }
    }

    func set(_ counts: ArmCounts) {
        assignments.store(counts.assignments, ordering: .relaxed)
        views.store(counts.views, ordering: .relaxed)
        conversions.store(counts.conversions, ordering: .relaxed)
        confirmedViews.store(counts.confirmedViews, ordering: .relaxed)
    }
}
