public import BanditCore
import Foundation

/// Durable state behind one protocol: counts, experiment states and the session secret.
///
/// Implementations are called from one `StateKeeper` actor only, never from an event loop.
public protocol StateStore: Sendable {
    /// Everything stored, by experiment name.
    func load() async throws -> StoredState
    /// Applies one batch atomically: resets first, then increments, then states.
    func write(_ batch: StoreBatch) async throws
    /// Earlier versions of an experiment (before a reset or a change of arms), oldest first.
    func history(experiment: String) async throws -> [ArchivedVersion]
    /// The hourly counts of one experiment, oldest first (for charts).
    func series(experiment: String) async throws -> [SeriesPoint]
    /// The stored session secret; stores `candidate` first when there is none.
    func sessionSecret(storingIfAbsent candidate: String) async throws -> String
    func close() async
    /// Whether other instances write to the same store, so the keeper must read back what
    /// they counted and decided after each of its own writes.
    var isShared: Bool { get }
}

extension StateStore {
    public var isShared: Bool { false }
}

public struct StoredState: Sendable, Equatable {
    public var experiments: [String: StoredExperiment]
    public init(experiments: [String: StoredExperiment] = [:]) { self.experiments = experiments }
}

public struct StoredExperiment: Sendable, Equatable {
    public var status: ExperimentStatus
    /// Arm name, so a winner survives reordering of `arms`.
    public var winner: String?
    public var generation: Int
    public var arms: [String: ArmCounts]
    /// The arms, in order, when the state was last written; nil if never written.
    public var armNames: [String]?
    /// The configured `version` when the state was last written; nil if never written.
    public var version: Int?
    /// Views and conversions by segment, value and arm (`segments`).
    public var segments: [SegmentKey: SegmentTally] = [:]

    public init(
        status: ExperimentStatus = .running, winner: String? = nil, generation: Int = 0,
        arms: [String: ArmCounts] = [:],
        armNames: [String]? = nil, version: Int? = nil
    ) {
        self.status = status
        self.winner = winner
        self.generation = generation
        self.arms = arms
        self.armNames = armNames
        self.version = version
    }
}

/// What changed since the last successful write.
public struct StoreBatch: Sendable, Equatable {
    /// Versions to keep in the history, written first.
    public var archives: [ArchivedVersion] = []
    /// Experiments whose counts are zeroed before the increments apply.
    public var resets: [String] = []
    public var increments: [Increment] = []
    /// Views and conversions by segment, written in the same transaction as `increments`.
    public var segmentIncrements: [SegmentIncrement] = []
    public var states: [String: ExperimentState] = [:]
    /// The hour (seconds since 1970 / 3600) the increments are filed under in the series.
    public var hour: Int = StoreBatch.currentHour()

    public init() {}

    public static func currentHour() -> Int { Int(Date().timeIntervalSince1970 / 3600) }

    public var isEmpty: Bool {
        archives.isEmpty && resets.isEmpty && increments.isEmpty && segmentIncrements.isEmpty && states.isEmpty
    }

    /// What one segment value of one arm counted since the last write.
    public struct SegmentIncrement: Sendable, Equatable {
        public var experiment: String
        public var key: SegmentKey
        public var delta: SegmentTally
        /// As for `Increment`: a shared store drops counts of a version already ended.
        public var generation: Int?
        public init(experiment: String, key: SegmentKey, delta: SegmentTally, generation: Int? = nil) {
            self.experiment = experiment
            self.key = key
            self.delta = delta
            self.generation = generation
        }
    }

    public struct Increment: Sendable, Equatable {
        public var experiment: String
        public var arm: String
        public var delta: ArmCounts
        /// The version the counts belong to. A shared store drops counts of a version another
        /// instance has already ended (reset), instead of adding them to the new one; nil
        /// adds them whatever the version.
        public var generation: Int?
        public init(experiment: String, arm: String, delta: ArmCounts, generation: Int? = nil) {
            self.experiment = experiment
            self.arm = arm
            self.delta = delta
            self.generation = generation
        }
    }

    public struct ExperimentState: Sendable, Equatable {
        public var status: ExperimentStatus
        public var winner: String?
        public var generation: Int
        /// The configured arms, in order: a later start with other arms begins a new version.
        public var arms: [String]
        /// The configured `version`: a later start with another one begins a new version too.
        public var version: Int
        /// Set by the instance itself (the winner rule, or recording the arms at start) rather
        /// than by an admin: a shared store applies it only while the stored experiment is
        /// still running in this generation, so a pause or winner an admin gave on another
        /// instance is never overwritten by an instance that had not seen it yet.
        public var automatic: Bool
        public init(
            status: ExperimentStatus, winner: String?, generation: Int, arms: [String] = [], version: Int = 1,
            automatic: Bool = false
        ) {
            self.status = status
            self.winner = winner
            self.generation = generation
            self.arms = arms
            self.version = version
            self.automatic = automatic
        }
    }
}

/// Where a segment tally is stored: by names, so it survives a reordering of `segments`.
public struct SegmentKey: Sendable, Equatable, Hashable {
    /// As configured, e.g. `device` or `query:utm_source`.
    public var segment: String
    public var value: String
    public var arm: String
    public init(segment: String, value: String, arm: String) {
        self.segment = segment
        self.value = value
        self.arm = arm
    }
}

/// One arm's counts during one hour.
public struct SeriesPoint: Sendable, Equatable, Encodable {
    /// Hours since 1970-01-01T00:00Z.
    public var hour: Int
    public var arm: String
    public var counts: ArmCounts

    public init(hour: Int, arm: String, counts: ArmCounts) {
        self.hour = hour
        self.arm = arm
        self.counts = counts
    }
}

/// An experiment's counts as they stood when a version ended.
public struct ArchivedVersion: Sendable, Equatable, Codable {
    public var experiment: String
    public var generation: Int
    /// Why it ended: `reset`, `arms changed` or `version changed`.
    public var reason: String
    /// Seconds since 1970.
    public var endedAt: Int
    public var arms: [Arm]

    public struct Arm: Sendable, Equatable, Codable {
        public var name: String
        public var counts: ArmCounts
        public init(name: String, counts: ArmCounts) {
            self.name = name
            self.counts = counts
        }
    }

    public init(experiment: String, generation: Int, reason: String, endedAt: Int, arms: [Arm]) {
        self.experiment = experiment
        self.generation = generation
        self.reason = reason
        self.endedAt = endedAt
        self.arms = arms
    }
}
