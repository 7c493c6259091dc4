import BanditCore
import Synchronization

/// Keeps nothing across restarts (`"storage": ":memory:"`); also the reference behaviour
/// the durable stores are tested against.
public final class MemoryStore: StateStore {
    private let state = Mutex<(stored: StoredState, secret: String?)>((StoredState(), nil))

    public init() {}

    public func load() async throws -> StoredState { state.withLock { $0.stored } }

    public func write(_ batch: StoreBatch) async throws {
        state.withLock { state in
            for name in batch.resets { state.stored.experiments[name]?.arms = [:] }
            for increment in batch.increments {
                var experiment = state.stored.experiments[increment.experiment] ?? StoredExperiment()
                var counts = experiment.arms[increment.arm] ?? ArmCounts()
                counts.assignments += increment.delta.assignments
                counts.views += increment.delta.views
                counts.conversions += increment.delta.conversions
                experiment.arms[increment.arm] = counts
                state.stored.experiments[increment.experiment] = experiment
            }
            for (name, update) in batch.states {
                var experiment = state.stored.experiments[name] ?? StoredExperiment()
                experiment.status = update.status
                experiment.winner = update.winner
                experiment.generation = update.generation
                state.stored.experiments[name] = experiment
            }
        }
    }

    public func sessionSecret(storingIfAbsent candidate: String) async throws -> String {
        state.withLock { state in
            if let secret = state.secret { return secret }
            state.secret = candidate
            return candidate
        }
    }

    public func close() async {}
}
