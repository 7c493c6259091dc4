/// What a visitor's cookie remembers: an id and, per experiment, the arm and what was counted.
///
/// Keeping assignments in the (signed) cookie rather than a server-side table means any proxy
/// instance can serve any request without a lookup, and memory does not grow with visitors.
public struct SessionState: Sendable, Equatable {
    /// Random, URL-safe; identifies the session in logs.
    public var id: String
    /// Ordered by first assignment; at most one entry per experiment name.
    public var entries: [Entry]
    /// The cookie verified under one of `session.previousSecrets`: it is signed again with
    /// the current secret on this response. Not part of the cookie.
    public internal(set) var signedWithPreviousSecret = false

    /// A session with id `id` (random, URL-safe) and these entries, in order.
    public init(id: String, entries: [Entry] = []) {
        self.id = id
        self.entries = entries
    }

    /// What the session holds for one experiment: its arm and what was counted.
    public struct Entry: Sendable, Equatable {
        /// Experiment name.
        public var experiment: String
        /// The experiment's generation when the arm was assigned; a reset bumps it, which
        /// makes older entries stale so everyone is re-randomised.
        public var generation: Int
        /// Index into the experiment's arms.
        public var arm: Int
        /// The session's view was counted.
        public var viewed: Bool
        /// The session's conversion was counted.
        public var converted: Bool
        /// The arm was forced for QA: injected, never counted (unless `recorded`).
        public var forced: Bool
        /// A forced arm that is counted like an assigned one (`bandit_record=1`, staged QA).
        public var recorded: Bool
        /// Left out by the experiment's `coverage`: served the first arm, never counted.
        public var holdout: Bool
        /// When the view was counted, in minutes since 1970; kept only for experiments with an
        /// attribution window.
        public var viewedAtMinute: Int?
        /// The view came with the session's first request and the session has not come back
        /// with its cookie since: it may be a crawler that drops cookies.
        public var unconfirmed: Bool
        /// Opened while its client address was over `limits.newSessionsPerMinute`: served
        /// and remembered like any other, never counted.
        public var overBudget: Bool
        /// The session's value in each of the experiment's `segments` at its view, so that its
        /// conversion is credited to the same ones; nil for experiments without segments.
        public var segmentValues: [String]?

        /// An entry as given; nothing counted, forced or held out unless said.
        public init(
            experiment: String, generation: Int, arm: Int, viewed: Bool = false, converted: Bool = false,
            forced: Bool = false, recorded: Bool = false, holdout: Bool = false, viewedAtMinute: Int? = nil,
            unconfirmed: Bool = false, overBudget: Bool = false, segmentValues: [String]? = nil
        ) {
            self.segmentValues = segmentValues
            self.unconfirmed = unconfirmed
            self.overBudget = overBudget
            self.experiment = experiment
            self.generation = generation
            self.arm = arm
            self.viewed = viewed
            self.converted = converted
            self.forced = forced
            self.recorded = recorded
            self.holdout = holdout
            self.viewedAtMinute = viewedAtMinute
        }

        /// Whether this session's views and conversions may count.
        public var isCounted: Bool { !holdout && !overBudget && (!forced || recorded) }
    }

    /// The entry for the experiment of this name, if the session has one.
    public func entry(for experiment: String) -> Entry? {
        entries.first { $0.experiment == experiment }
    }

    /// Replaces the entry for `entry.experiment` in place, or appends it.
    public mutating func set(_ entry: Entry) {
        if let index = entries.firstIndex(where: { $0.experiment == entry.experiment }) {
            entries[index] = entry
        } else {
            entries.append(entry)
        }
    }

    /// Removes the entry for the experiment of this name, if any.
    public mutating func removeEntry(for experiment: String) {
        entries.removeAll { $0.experiment == experiment }
    }
}
