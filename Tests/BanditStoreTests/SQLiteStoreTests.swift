import BanditCore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BanditStore

@Suite struct SQLiteStoreTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bandits-\(UUID().uuidString).sqlite").path
    }

    @Test func aFileFromANewerVersionIsRefusedWithAClearMessage() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try await SQLiteStore.open(path: path)
        await store.close()
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", path, "UPDATE meta SET value = '99' WHERE key = 'schema_version'"]
        guard (try? sqlite.run()) != nil else {
            Issue.record("sqlite3 is needed to forge a newer schema; .ci/run installs it")
            return
        }
        sqlite.waitUntilExit()
        try #require(sqlite.terminationStatus == 0, "sqlite3 is needed to forge a newer schema; .ci/run installs it")
        await #expect {
            _ = try await SQLiteStore.open(path: path)
        } throws: { error in
            "\(error)".contains("newer bandit-proxy")
        }
    }

    @Test func aFileThatIsNotADatabaseIsReportedByPathWithWhatToDo() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        await #expect {
            _ = try await SQLiteStore.open(path: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("point storage at a new file")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x41, count: 4096), "left alone")
    }

    @Test func anUnwritableLocationIsReportedByPath() async throws {
        await #expect {
            _ = try await SQLiteStore.open(path: "/nonexistent-dir/sub/bandits.sqlite")
        } throws: { error in
            "\(error)".contains("/nonexistent-dir/sub/bandits.sqlite")
        }
    }
}

@Suite struct StateKeeperTests {
    static let config = ProxyConfig(
        upstream: UpstreamURL(host: "127.0.0.1", port: 1),
        experiments: [
            ExperimentConfig(
                name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"),
                arms: ["control", "bold"],
                minViews: 10)
        ])

    func makeKeeper(store: any StateStore) -> StateKeeper {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return StateKeeper(
            engine: ExperimentEngine(config: Self.config, secret: "0123456789abcdef"), store: store, logger: logger)
    }

    @Test func flushWritesOnlyWhatChangedSinceTheLastWrite() async throws {
        let store = MemoryStore()
        let keeper = makeKeeper(store: store)
        let experiment = keeper.engine.experiments[0]
        experiment.add(arm: 1, assignments: 2, views: 2, conversions: 1)
        #expect(await keeper.flush())
        #expect(await keeper.flush())  // nothing new: nothing added twice
        experiment.add(arm: 1, views: 1)
        #expect(await keeper.flush())
        let stored = try await store.load()
        #expect(stored.experiments["headline"]?.arms["bold"] == ArmCounts(assignments: 2, views: 3, conversions: 1))
    }

    @Test func aFailedWriteKeepsCountsAndReportsHealthUntilItSucceeds() async throws {
        let store = FlakyStore()
        let keeper = makeKeeper(store: store)
        let experiment = keeper.engine.experiments[0]
        experiment.add(arm: 0, views: 3)
        store.failing.withLock { $0 = true }
        #expect(await keeper.flush() == false)
        #expect(keeper.health?.contains("disk full") == true)
        experiment.add(arm: 0, views: 2)
        store.failing.withLock { $0 = false }
        #expect(await keeper.flush())
        #expect(keeper.health == nil)
        #expect(try await store.load().experiments["headline"]?.arms["control"]?.views == 5)
    }

    @Test func aClearWinnerIsDecidedPersistedAndServed() async throws {
        let store = MemoryStore()
        let keeper = makeKeeper(store: store)
        let experiment = keeper.engine.experiments[0]
        experiment.add(arm: 0, assignments: 2000, views: 2000, conversions: 100)
        experiment.add(arm: 1, assignments: 2000, views: 2000, conversions: 300)
        await keeper.decideWinners()
        #expect(experiment.state.status == .decided)
        #expect(experiment.state.winner == 1)
        #expect(await keeper.flush())
        let stored = try await store.load().experiments["headline"]
        #expect(stored?.status == .decided)
        #expect(stored?.winner == "bold")
    }

    @Test func equalArmsAreNotDecided() async throws {
        let keeper = makeKeeper(store: MemoryStore())
        let experiment = keeper.engine.experiments[0]
        experiment.add(arm: 0, assignments: 3000, views: 3000, conversions: 300)
        experiment.add(arm: 1, assignments: 3000, views: 3000, conversions: 310)
        await keeper.decideWinners()
        #expect(experiment.state.status == .running)
    }

    @Test(arguments: StoreKind.available)
    func changingTheArmsStartsANewVersionAndKeepsTheOldOneInHistory(kind: StoreKind) async throws {
        try await kind.withLocation { open in
            let store = try await open()
            let first = makeKeeper(store: store)
            try await first.restore()
            first.engine.experiments[0].add(arm: 1, assignments: 9, views: 9, conversions: 4)
            #expect(await first.flush())

            // Same arms: counts carry on.
            let same = makeKeeper(store: store)
            try await same.restore()
            #expect(same.engine.experiments[0].counts[1].views == 9)

            // Other arms (here: reordered, which moves every sticky assignment): a new version.
            var config = Self.config
            config.experiments[0].arms = ["bold", "control"]
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let changed = StateKeeper(
                engine: ExperimentEngine(config: config, secret: "0123456789abcdef"), store: store, logger: logger)
            try await changed.restore()
            let experiment = changed.engine.experiments[0]
            #expect(experiment.counts.allSatisfy { $0 == ArmCounts() })
            #expect(experiment.state.generation == 1, "old cookies name arms by position: they are void now")
            #expect(await changed.flush())
            let history = try await changed.history(experiment)
            #expect(history.count == 1)
            #expect(history.first?.reason == "arms changed")
            #expect(history.first?.arms.map(\.name) == ["control", "bold"])
            #expect(history.first?.arms[1].counts == ArmCounts(assignments: 9, views: 9, conversions: 4))

            // A reset is kept in the history too.
            experiment.add(arm: 0, views: 2)
            await changed.reset(experiment)
            #expect(try await changed.history(experiment).map(\.reason) == ["arms changed", "reset"])
            #expect(try await store.load().experiments["headline"]?.generation == 2)
            await store.close()
        }
    }

    @Test func restoreLoadsCountsAndDecisions() async throws {
        let store = MemoryStore()
        var batch = StoreBatch()
        batch.increments = [
            .init(experiment: "headline", arm: "bold", delta: ArmCounts(assignments: 7, views: 7, conversions: 3))
        ]
        batch.states["headline"] = .init(status: .decided, winner: "bold", generation: 4)
        try await store.write(batch)
        let keeper = makeKeeper(store: store)
        try await keeper.restore()
        let experiment = keeper.engine.experiments[0]
        #expect(experiment.counts == [ArmCounts(), ArmCounts(assignments: 7, views: 7, conversions: 3)])
        #expect(experiment.state == .init(status: .decided, winner: 1, generation: 4))
        #expect(await keeper.flush())
        #expect(
            try await store.load().experiments["headline"]?.arms["bold"]?.views == 7, "restored counts are not re-added"
        )
    }
}

/// A store whose writes fail on demand, like a full or read-only disk.
final class FlakyStore: StateStore {
    let failing = Mutex(false)
    let inner = MemoryStore()

    func load() async throws -> StoredState { try await inner.load() }
    func write(_ batch: StoreBatch) async throws {
        if failing.withLock({ $0 }) { throw StoreError("disk full") }
        try await inner.write(batch)
    }
    func sessionSecret(storingIfAbsent candidate: String) async throws -> String {
        try await inner.sessionSecret(storingIfAbsent: candidate)
    }
    func series(experiment: String) async throws -> [SeriesPoint] { try await inner.series(experiment: experiment) }
    func history(experiment: String) async throws -> [ArchivedVersion] {
        try await inner.history(experiment: experiment)
    }
    func close() async {}
}
