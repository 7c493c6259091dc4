import BanditCore
import Logging
import Testing

@testable import BanditStore

/// Regression: `flush` suspends while the store writes, and the keeper is an actor, so a
/// second flush (the periodic tick, an admin action, shutdown) could run meanwhile, compute
/// the same delta against the not yet updated totals and write it again: a count stored
/// twice. Seen as RestartTests finding 6 views after a restart where 5 were counted, when
/// an admin action's flush overlapped the periodic one under load.
@Suite struct OverlappingFlushTests {
    /// A store whose writes take a while, like a disk under load.
    final class SlowStore: StateStore {
        let inner = MemoryStore()
        func load() async throws -> StoredState { try await inner.load() }
        func write(_ batch: StoreBatch) async throws {
            try await Task.sleep(for: .milliseconds(50))
            try await inner.write(batch)
        }
        func history(experiment: String) async throws -> [ArchivedVersion] { [] }
        func series(experiment: String) async throws -> [SeriesPoint] { [] }
        func sessionSecret(storingIfAbsent candidate: String) async throws -> String { candidate }
        func close() async {}
    }

    @Test func overlappingFlushesWriteEachCountOnce() async throws {
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            experiments: [ExperimentConfig(name: "e", source: PathPattern("/"), target: PathPattern("/t"))])
        let engine = ExperimentEngine(config: config, secret: "flush-secret-0123456")
        let store = SlowStore()
        let keeper = StateKeeper(engine: engine, store: store, logger: Logger(label: "test"))
        try await keeper.restore()
        engine.experiments[0].add(arm: 1, assignments: 1, views: 1)

        async let first = keeper.flush()
        async let second = keeper.flush()
        async let third = keeper.flush()
        #expect(await [first, second, third] == [true, true, true])

        let stored = try await store.load().experiments["e"]?.arms["on"]
        #expect(stored == ArmCounts(assignments: 1, views: 1))
    }
}
