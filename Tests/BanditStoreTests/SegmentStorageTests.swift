import BanditCore
import Foundation
import Logging
import PostgresTestSupport
import Testing

@testable import BanditStore

/// Segment counts go to the store with the totals, come back on a restart, go with a reset,
/// and add up across the instances of a fleet, on every kind of store.
enum SegmentStorageChecks {
    static let config: ProxyConfig = {
        var experiment = ExperimentConfig(
            name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"])
        experiment.segments = [.device, .query("utm_source")]
        return ProxyConfig(upstream: UpstreamURL(host: "127.0.0.1", port: 1), experiments: [experiment])
    }()

    static func keeper(_ store: any StateStore) async throws -> StateKeeper {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let keeper = StateKeeper(
            engine: ExperimentEngine(config: config, secret: "0123456789abcdef"), store: store, logger: logger)
        try await keeper.restore()
        return keeper
    }

    static func tally(_ keeper: StateKeeper, _ segment: Int, _ value: String, arm: Int) -> SegmentTally {
        keeper.engine.experiments[0].segmentCounts?.totals[SegmentCell(segment: segment, value: value, arm: arm)]
            ?? SegmentTally()
    }

    /// Counts, a flush, a restart, a failed write kept for the next, a reset.
    static func survivesRestartAndGoesWithAReset(_ open: @Sendable () async throws -> any StateStore) async throws {
        let store = try await open()
        let first = try await keeper(store)
        let experiment = first.engine.experiments[0]
        experiment.segmentCounts?.record(arm: 1, values: ["mobile", "news"], views: 3)
        experiment.segmentCounts?.record(arm: 1, values: ["mobile", "news"], conversions: 1)
        experiment.segmentCounts?.record(arm: 0, values: ["desktop", Segment.noValue], views: 2)
        #expect(await first.flush())
        await store.close()

        let reopened = try await open()
        let second = try await keeper(reopened)
        #expect(tally(second, 0, "mobile", arm: 1) == SegmentTally(views: 3, conversions: 1))
        #expect(tally(second, 1, "news", arm: 1) == SegmentTally(views: 3, conversions: 1))
        #expect(tally(second, 0, "desktop", arm: 0) == SegmentTally(views: 2))
        let stored = try await reopened.load().experiments["headline"]?.segments ?? [:]
        #expect(stored[SegmentKey(segment: "query:utm_source", value: "news", arm: "bold")]?.views == 3)

        await second.reset(second.engine.experiments[0])
        #expect(second.engine.experiments[0].segmentCounts?.totals.isEmpty == true)
        #expect(try await reopened.load().experiments["headline"]?.segments.isEmpty ?? true)
        await reopened.close()
    }
}

@Suite struct SegmentStorageTests {
    @Test func aFailedWriteKeepsTheSegmentCountsForTheNext() async throws {
        let store = SharedTestStore()
        let keeper = try await SegmentStorageChecks.keeper(store)
        keeper.engine.experiments[0].segmentCounts?.record(arm: 0, values: ["mobile", "a"], views: 1)
        store.failing.withLock { $0 = true }
        #expect(await keeper.flush() == false)
        keeper.engine.experiments[0].segmentCounts?.record(arm: 0, values: ["mobile", "a"], views: 1)
        store.failing.withLock { $0 = false }
        #expect(await keeper.flush())
        let stored = try await store.load().experiments["headline"]?.segments ?? [:]
        #expect(stored[SegmentKey(segment: "device", value: "mobile", arm: "control")] == SegmentTally(views: 2))
        #expect(SegmentStorageChecks.tally(keeper, 0, "mobile", arm: 0) == SegmentTally(views: 2), "not doubled")
    }

    @Test func aFleetAddsUpItsSegmentCounts() async throws {
        let store = SharedTestStore()
        let a = try await SegmentStorageChecks.keeper(store)
        let b = try await SegmentStorageChecks.keeper(store)
        a.engine.experiments[0].segmentCounts?.record(arm: 1, values: ["mobile", "x"], views: 2)
        b.engine.experiments[0].segmentCounts?.record(arm: 1, values: ["mobile", "y"], views: 5, conversions: 0)
        b.engine.experiments[0].segmentCounts?.record(arm: 1, values: ["mobile", "y"], conversions: 1)
        #expect(await a.flush())
        #expect(await b.flush())
        #expect(await a.flush())
        for keeper in [a, b] {
            #expect(SegmentStorageChecks.tally(keeper, 0, "mobile", arm: 1) == SegmentTally(views: 7, conversions: 1))
            #expect(SegmentStorageChecks.tally(keeper, 1, "y", arm: 1) == SegmentTally(views: 5, conversions: 1))
        }
    }
}

@Suite(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipReason)))
struct PostgresSegmentStorageTests {
    @Test func aFleetOnPostgresAddsUpItsSegmentCounts() async throws {
        try await TestPostgres.withDatabase { url in
            let storeA = try await PostgresStore.open(url: url)
            let storeB = try await PostgresStore.open(url: url)
            let a = try await SegmentStorageChecks.keeper(storeA)
            let b = try await SegmentStorageChecks.keeper(storeB)
            a.engine.experiments[0].segmentCounts?.record(arm: 0, values: ["tablet", "x"], views: 4)
            b.engine.experiments[0].segmentCounts?.record(arm: 0, values: ["tablet", "x"], views: 6)
            #expect(await a.flush())
            #expect(await b.flush())
            #expect(await a.flush())
            for keeper in [a, b] {
                #expect(SegmentStorageChecks.tally(keeper, 0, "tablet", arm: 0) == SegmentTally(views: 10))
            }
            await storeA.close()
            await storeB.close()
        }
    }

    /// A database of schema 1 (before segments) gains the table in place and keeps its counts.
    @Test func aSchemaOneDatabaseMigratesInPlace() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore.open(url: url)
            var batch = StoreBatch()
            batch.increments = [.init(experiment: "headline", arm: "bold", delta: ArmCounts(views: 9))]
            try await store.write(batch)
            await store.close()
            try await TestPostgres.run("DROP TABLE segment_counts", in: url)
            try await TestPostgres.run("UPDATE meta SET value = '1' WHERE key = 'schema_version'", in: url)
            let migrated = try await PostgresStore.open(url: url)
            var segments = StoreBatch()
            segments.segmentIncrements = [
                .init(
                    experiment: "headline", key: SegmentKey(segment: "device", value: "mobile", arm: "bold"),
                    delta: SegmentTally(views: 1))
            ]
            try await migrated.write(segments)
            let state = try await migrated.load()
            await migrated.close()
            #expect(state.experiments["headline"]?.arms["bold"]?.views == 9)
            #expect(state.experiments["headline"]?.segments.values.first == SegmentTally(views: 1))
        }
    }
}
