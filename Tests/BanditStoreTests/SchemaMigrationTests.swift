import BanditCore
import Foundation
import Logging
import Testing

@testable import BanditStore

/// A file written by an earlier bandit-proxy is migrated forward in place, losing nothing.
@Suite struct SchemaMigrationTests {
    /// The schema of version 1, as the first release wrote it, with some counts in it.
    static let versionOne = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1'), ('session_secret', 'kept-secret-0123456789');
        CREATE TABLE experiments (name TEXT PRIMARY KEY, status TEXT NOT NULL, winner TEXT,
            generation INTEGER NOT NULL, arms TEXT);
        CREATE TABLE arm_counts (experiment TEXT NOT NULL, arm TEXT NOT NULL, assignments INTEGER NOT NULL,
            views INTEGER NOT NULL, conversions INTEGER NOT NULL, PRIMARY KEY (experiment, arm));
        CREATE TABLE arm_hourly (experiment TEXT NOT NULL, arm TEXT NOT NULL, hour INTEGER NOT NULL,
            assignments INTEGER NOT NULL, views INTEGER NOT NULL, conversions INTEGER NOT NULL,
            PRIMARY KEY (experiment, hour, arm));
        CREATE TABLE history (experiment TEXT NOT NULL, generation INTEGER NOT NULL, reason TEXT NOT NULL,
            ended_at INTEGER NOT NULL, arms TEXT NOT NULL);
        INSERT INTO experiments VALUES ('headline', 'decided', 'bold', 3, 'control
        bold');
        INSERT INTO arm_counts VALUES ('headline', 'control', 50, 50, 2), ('headline', 'bold', 60, 60, 9);
        INSERT INTO arm_hourly VALUES ('headline', 'bold', 490000, 60, 60, 9);
        INSERT INTO history VALUES ('headline', 2, 'reset', 1700000000,
            '[{"name":"control","counts":{"assignments":1,"views":1,"conversions":0}}]');
        """

    @Test func aVersionOneFileKeepsEverythingAndGainsTheNewColumns() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("v1-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", path, Self.versionOne]
        try sqlite.run()
        sqlite.waitUntilExit()
        try #require(sqlite.terminationStatus == 0, "sqlite3 is needed to write a version-1 file; .ci/run installs it")

        let store = try await SQLiteStore.open(path: path)
        let headline = try #require(try await store.load().experiments["headline"])
        #expect(headline.arms["bold"] == ArmCounts(assignments: 60, views: 60, conversions: 9))
        #expect(headline.status == .decided && headline.winner == "bold" && headline.generation == 3)
        #expect(headline.armNames == ["control", "bold"])
        #expect(headline.version == nil, "written before versions existed")
        #expect(try await store.sessionSecret(storingIfAbsent: "other") == "kept-secret-0123456789")
        #expect(try await store.history(experiment: "headline").first?.arms.first?.counts.views == 1)
        #expect(try await store.series(experiment: "headline").first?.counts.views == 60)

        var batch = StoreBatch()
        batch.increments = [.init(experiment: "headline", arm: "bold", delta: ArmCounts(views: 1, confirmedViews: 1))]
        batch.states["headline"] = .init(
            status: .decided, winner: "bold", generation: 3, arms: ["control", "bold"], version: 2)
        batch.segmentIncrements = [
            .init(
                experiment: "headline", key: SegmentKey(segment: "device", value: "mobile", arm: "bold"),
                delta: SegmentTally(views: 1))
        ]
        try await store.write(batch)
        await store.close()

        let reopened = try await SQLiteStore.open(path: path)
        let after = try #require(try await reopened.load().experiments["headline"])
        await reopened.close()
        #expect(after.arms["bold"] == ArmCounts(assignments: 60, views: 61, conversions: 9, confirmedViews: 1))
        #expect(after.version == 2)
        #expect(after.segments == [SegmentKey(segment: "device", value: "mobile", arm: "bold"): SegmentTally(views: 1)])
    }
}

/// `version` in proxy.json: bumping it re-randomises everyone and archives the counts;
/// changing weights, floors or coverage does not.
@Suite struct ExperimentVersionTests {
    static func config(version: Int, weights: [Double]? = nil) -> ProxyConfig {
        var experiment = ExperimentConfig(
            name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"],
            algorithm: .uniform)
        experiment.version = version
        experiment.weights = weights
        return ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            session: SessionSettings(secret: "version-secret-1234"),
            experiments: [experiment])
    }

    static func start(_ config: ProxyConfig, on store: MemoryStore) async throws -> StateKeeper {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let keeper = StateKeeper(
            engine: ExperimentEngine(config: config, secret: "version-secret-1234"), store: store, logger: logger)
        try await keeper.restore()
        return keeper
    }

    @Test func weightsChangeWithoutAVersionKeepCountsAndAVersionBumpStartsOver() async throws {
        let store = MemoryStore()
        let first = try await Self.start(Self.config(version: 1), on: store)
        first.engine.experiments[0].add(arm: 1, assignments: 7, views: 7, conversions: 2)
        await first.flush()

        let reweighted = try await Self.start(Self.config(version: 1, weights: [0.8, 0.2]), on: store)
        #expect(reweighted.engine.experiments[0].counts[1].views == 7, "new weights keep the counts")
        #expect(reweighted.engine.experiments[0].state.generation == 0, "and every session's arm")

        let bumped = try await Self.start(Self.config(version: 2, weights: [0.8, 0.2]), on: store)
        #expect(bumped.engine.experiments[0].counts.allSatisfy { $0 == ArmCounts() })
        #expect(bumped.engine.experiments[0].state.generation == 1, "old cookies are void: everyone re-randomised")
        await bumped.flush()
        let history = try await store.history(experiment: "headline")
        #expect(history.map(\.reason) == ["version changed"])
        #expect(history.first?.arms.last?.counts.views == 7)

        let again = try await Self.start(Self.config(version: 2), on: store)
        #expect(again.engine.experiments[0].state.generation == 1, "the same version again starts nothing new")
    }
}
