import BanditCore
import Synchronization

/// Keeps nothing across restarts (`"storage": ":memory:"`); also the reference behaviour
/// the durable stores are tested against.
public final class MemoryStore: StateStore {
    private let state = Mutex<
        (
            stored: StoredState, secret: String?, series: [String: [SeriesPoint]], history: [ArchivedVersion],
            withState: Set<String>
        )
    >((StoredState(), nil, [:], [], []))

    public init() {}

    public func load() async throws -> StoredState { state.withLock { $0.stored } }

    public func write(_ batch: StoreBatch) async throws {
        state.withLock { state in
            // Several keepers may share one MemoryStore in tests: it drops stale writes exactly
            // as the PostgreSQL store does.
            var current: [String: CurrentState] = [:]
            for name in state.withState {
                guard let stored = state.stored.experiments[name] else { continue }
                current[name] = CurrentState(status: stored.status, generation: stored.generation)
            }
            let batch = batch.withoutStaleWrites(current: current)
            state.history += batch.archives
            for name in batch.resets {
                state.stored.experiments[name]?.arms = [:]
                state.stored.experiments[name]?.segments = [:]
                state.series[name] = nil
            }
            for increment in batch.increments {
                var experiment = state.stored.experiments[increment.experiment] ?? StoredExperiment()
                var counts = experiment.arms[increment.arm] ?? ArmCounts()
                counts.assignments += increment.delta.assignments
                counts.views += increment.delta.views
                counts.conversions += increment.delta.conversions
                counts.confirmedViews += increment.delta.confirmedViews
                experiment.arms[increment.arm] = counts
                state.stored.experiments[increment.experiment] = experiment
                var points = state.series[increment.experiment] ?? []
                if let index = points.firstIndex(where: { $0.hour == batch.hour && $0.arm == increment.arm }) {
                    points[index].counts.assignments += increment.delta.assignments
                    points[index].counts.views += increment.delta.views
                    points[index].counts.conversions += increment.delta.conversions
                    points[index].counts.confirmedViews += increment.delta.confirmedViews
                } else {
                    points.append(SeriesPoint(hour: batch.hour, arm: increment.arm, counts: increment.delta))
                }
                state.series[increment.experiment] = points
            }
            for increment in batch.segmentIncrements {
                state.stored.experiments[increment.experiment, default: StoredExperiment()].segments[
                    increment.key, default: SegmentTally()] += increment.delta
            }
            for (name, update) in batch.states {
                var experiment = state.stored.experiments[name] ?? StoredExperiment()
                experiment.status = update.status
                experiment.winner = update.winner
                experiment.generation = update.generation
                experiment.armNames = update.arms.isEmpty ? nil : update.arms
                experiment.version = update.version
                state.stored.experiments[name] = experiment
                state.withState.insert(name)
            }
        }
    }

    public func history(experiment: String) async throws -> [ArchivedVersion] {
        state.withLock { $0.history.filter { $0.experiment == experiment } }
    }

    public func series(experiment: String) async throws -> [SeriesPoint] {
        state.withLock { $0.series[experiment] ?? [] }.sorted { ($0.hour, $0.arm) < ($1.hour, $1.arm) }
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
