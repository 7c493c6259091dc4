import BanditCore
import Foundation
import PostgresTestSupport
import Testing

@testable import BanditStore

/// What every `StateStore` promises, checked once against each: memory, SQLite and (when
/// `BANDIT_TEST_POSTGRES_URL` is set, as `.ci/run` does) PostgreSQL. What only one kind has
/// to get right (a file that is not a database, concurrent writers on a server) is in its
/// own suite.
enum StoreKind: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case memory, sqlite, postgres

    var testDescription: String { rawValue }

    /// The kinds this machine can run.
    static var available: [StoreKind] { TestPostgres.isAvailable ? allCases : [.memory, .sqlite] }

    /// Runs `body` with a way to open (and, after closing, reopen) one fresh store location.
    func withLocation(_ body: (@Sendable () async throws -> any StateStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            let store = MemoryStore()  // closing it keeps everything, like a file
            try await body { store }
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("contract-\(UUID().uuidString).sqlite").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await body { try await SQLiteStore.open(path: path) }
        case .postgres:
            try await TestPostgres.withDatabase { url in try await body { try await PostgresStore.open(url: url) } }
        }
    }
}

@Suite struct StoreContractTests {
    @Test(arguments: StoreKind.available)
    func incrementsAccumulateAndSurviveReopening(kind: StoreKind) async throws {
        try await kind.withLocation { open in
            let store = try await open()
            var batch = StoreBatch()
            batch.increments = [
                .init(
                    experiment: "headline", arm: "bold",
                    delta: ArmCounts(assignments: 3, views: 2, conversions: 1, confirmedViews: 1)),
                .init(experiment: "headline", arm: "control", delta: ArmCounts(assignments: 1, views: 1)),
            ]
            batch.states["headline"] = .init(
                status: .decided, winner: "bold", generation: 2, arms: ["control", "bold"], version: 3)
            try await store.write(batch)
            var second = StoreBatch()
            second.increments = [
                .init(experiment: "headline", arm: "bold", delta: ArmCounts(assignments: 1, views: 1, conversions: 1))
            ]
            try await store.write(second)
            await store.close()

            let reopened = try await open()
            let headline = try #require(try await reopened.load().experiments["headline"])
            await reopened.close()
            #expect(headline.arms["bold"] == ArmCounts(assignments: 4, views: 3, conversions: 2, confirmedViews: 1))
            #expect(headline.arms["control"] == ArmCounts(assignments: 1, views: 1))
            #expect(headline.status == .decided && headline.winner == "bold" && headline.generation == 2)
            #expect(headline.armNames == ["control", "bold"])
            #expect(headline.version == 3)
        }
    }

    @Test(arguments: StoreKind.available)
    func incrementsAreFiledByHourForCharts(kind: StoreKind) async throws {
        try await kind.withLocation { open in
            let store = try await open()
            for (hour, views) in [(500_000, 3), (500_000, 2), (500_001, 7)] {
                var batch = StoreBatch()
                batch.hour = hour
                batch.increments = [
                    .init(
                        experiment: "e", arm: "a",
                        delta: ArmCounts(assignments: views, views: views, confirmedViews: views - 1))
                ]
                try await store.write(batch)
            }
            let series = try await store.series(experiment: "e")
            await store.close()
            #expect(
                series == [
                    SeriesPoint(
                        hour: 500_000, arm: "a", counts: ArmCounts(assignments: 5, views: 5, confirmedViews: 3)),
                    SeriesPoint(
                        hour: 500_001, arm: "a", counts: ArmCounts(assignments: 7, views: 7, confirmedViews: 6)),
                ])
        }
    }

    @Test(arguments: StoreKind.available)
    func aResetClearsCountsSeriesAndSegmentsBeforeTheBatchIncrements(kind: StoreKind) async throws {
        try await kind.withLocation { open in
            let store = try await open()
            var batch = StoreBatch()
            batch.increments = [
                .init(experiment: "e", arm: "a", delta: ArmCounts(assignments: 5, views: 5, conversions: 5))
            ]
            batch.segmentIncrements = [
                .init(
                    experiment: "e", key: SegmentKey(segment: "device", value: "mobile", arm: "a"),
                    delta: .init(views: 5))
            ]
            try await store.write(batch)
            var reset = StoreBatch()
            reset.resets = ["e"]
            reset.increments = [.init(experiment: "e", arm: "a", delta: ArmCounts(assignments: 1, views: 1))]
            reset.segmentIncrements = [
                .init(
                    experiment: "e", key: SegmentKey(segment: "device", value: "tablet", arm: "a"),
                    delta: .init(views: 1))
            ]
            try await store.write(reset)
            let state = try await store.load()
            let series = try await store.series(experiment: "e")
            await store.close()
            #expect(state.experiments["e"]?.arms["a"] == ArmCounts(assignments: 1, views: 1))
            #expect(series.map(\.counts) == [ArmCounts(assignments: 1, views: 1)], "the chart starts over too")
            #expect(
                state.experiments["e"]?.segments == [
                    SegmentKey(segment: "device", value: "tablet", arm: "a"): .init(views: 1)
                ])
        }
    }

    @Test(arguments: StoreKind.available)
    func archivedVersionsComeBackInOrder(kind: StoreKind) async throws {
        try await kind.withLocation { open in
            let store = try await open()
            for generation in 0..<3 {
                var batch = StoreBatch()
                batch.archives = [
                    ArchivedVersion(
                        experiment: "e", generation: generation, reason: generation == 0 ? "arms changed" : "reset",
                        endedAt: 1_700_000_000 + generation,
                        arms: [.init(name: "a", counts: ArmCounts(assignments: generation, views: generation))])
                ]
                try await store.write(batch)
            }
            let history = try await store.history(experiment: "e")
            let other = try await store.history(experiment: "other")
            await store.close()
            #expect(history.map(\.generation) == [0, 1, 2])
            #expect(history.map(\.reason) == ["arms changed", "reset", "reset"])
            #expect(history[2].arms == [.init(name: "a", counts: ArmCounts(assignments: 2, views: 2))])
            #expect(other.isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func theSessionSecretIsStoredOnceAndKept(kind: StoreKind) async throws {
        try await kind.withLocation { open in
            let store = try await open()
            let first = try await store.sessionSecret(storingIfAbsent: "first-candidate")
            let second = try await store.sessionSecret(storingIfAbsent: "second-candidate")
            await store.close()
            let reopened = try await open()
            let third = try await reopened.sessionSecret(storingIfAbsent: "third-candidate")
            await reopened.close()
            #expect(first == "first-candidate" && second == first && third == first)
        }
    }

    /// Through a keeper: segment counts flushed, restored on a restart, gone with a reset.
    @Test(arguments: StoreKind.available)
    func segmentCountsSurviveARestartAndGoWithAReset(kind: StoreKind) async throws {
        try await kind.withLocation { open in
            try await SegmentStorageChecks.survivesRestartAndGoesWithAReset(open)
        }
    }
}
