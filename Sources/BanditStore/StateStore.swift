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
    /// The hourly counts of one experiment, oldest first (for charts).
    func series(experiment: String) async throws -> [SeriesPoint]
    /// The stored session secret; stores `candidate` first when there is none.
    func sessionSecret(storingIfAbsent candidate: String) async throws -> String
    func close() async
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

    public init(
        status: ExperimentStatus = .running, winner: String? = nil, generation: Int = 0, arms: [String: ArmCounts] = [:]
    ) {
        self.status = status
        self.winner = winner
        self.generation = generation
        self.arms = arms
    }
}

/// What changed since the last successful write.
public struct StoreBatch: Sendable, Equatable {
    /// Experiments whose counts are zeroed before the increments apply.
    public var resets: [String] = []
    public var increments: [Increment] = []
    public var states: [String: ExperimentState] = [:]
    /// The hour (seconds since 1970 / 3600) the increments are filed under in the series.
    public var hour: Int = StoreBatch.currentHour()

    public init() {}

    public static func currentHour() -> Int { Int(Date().timeIntervalSince1970 / 3600) }

    public var isEmpty: Bool { resets.isEmpty && increments.isEmpty && states.isEmpty }

    public struct Increment: Sendable, Equatable {
        public var experiment: String
        public var arm: String
        public var delta: ArmCounts
        public init(experiment: String, arm: String, delta: ArmCounts) {
            self.experiment = experiment
            self.arm = arm
            self.delta = delta
        }
    }

    public struct ExperimentState: Sendable, Equatable {
        public var status: ExperimentStatus
        public var winner: String?
        public var generation: Int
        public init(status: ExperimentStatus, winner: String?, generation: Int) {
            self.status = status
            self.winner = winner
            self.generation = generation
        }
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
