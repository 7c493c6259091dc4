/// What a visitor's cookie remembers: an id and, per experiment, the arm and what was counted.
///
/// Keeping assignments in the (signed) cookie rather than a server-side table means any proxy
/// instance can serve any request without a lookup, and memory does not grow with visitors.
public struct SessionState: Sendable, Equatable {
    /// Random, URL-safe; identifies the session in logs.
    public var id: String
    /// Ordered by first assignment; at most one entry per experiment name.
    public var entries: [Entry]

    public init(id: String, entries: [Entry] = []) {
        self.id = id
        self.entries = entries
    }

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
        /// The arm was forced for QA: injected, never counted.
        public var forced: Bool

        public init(
            experiment: String, generation: Int, arm: Int, viewed: Bool = false, converted: Bool = false,
            forced: Bool = false
        ) {
            self.experiment = experiment
            self.generation = generation
            self.arm = arm
            self.viewed = viewed
            self.converted = converted
            self.forced = forced
        }
    }

    public func entry(for experiment: String) -> Entry? {
        entries.first { $0.experiment == experiment }
    }

    public mutating func set(_ entry: Entry) {
        if let index = entries.firstIndex(where: { $0.experiment == entry.experiment }) {
            entries[index] = entry
        } else {
            entries.append(entry)
        }
    }

    public mutating func removeEntry(for experiment: String) {
        entries.removeAll { $0.experiment == experiment }
    }
}
