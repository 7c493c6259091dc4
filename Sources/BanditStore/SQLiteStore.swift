import BanditCore
import Foundation
public import Logging
import NIOCore
import SQLiteNIO

/// The embedded default: one SQLite file in WAL mode.
///
/// Counts are stored as totals per (experiment, arm) and grow by the increments of each
/// batch inside one transaction, so a crash loses at most the batch in flight and can never
/// apply one twice.
public final class SQLiteStore: StateStore {
    /// The schema this binary writes; older files are migrated forward, newer ones refused.
    /// 1: counts, states, hourly series, history. 2: confirmed views, experiment versions.
    /// 3: counts by segment.
    static let schemaVersion = 3

    private let connection: SQLiteConnection
    /// One transaction at a time on the connection, whoever asks.
    private let gate = AsyncGate()
    public let path: String

    private init(connection: SQLiteConnection, path: String) {
        self.connection = connection
        self.path = path
    }

    public static func open(path: String, logger: Logger = Logger(label: "bandit-proxy.sqlite")) async throws
        -> SQLiteStore
    {
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            throw StoreError("cannot open SQLite database at \(path): \(error)")
        }
        let store = SQLiteStore(connection: connection, path: path)
        do {
            try await store.migrate()
        } catch let error as StoreError {
            try? await connection.close()
            throw error
        } catch {
            try? await connection.close()
            // SQLite's own words ("notADatabase: file is not a database") name no file.
            throw StoreError(
                "cannot use \(path) as the SQLite database (\(error)): point storage at a new file, "
                    + "or move this one away if it is not bandit-proxy's")
        }
        return store
    }

    private func migrate() async throws {
        _ = try await connection.query("PRAGMA journal_mode=WAL")
        _ = try await connection.query("PRAGMA synchronous=NORMAL")
        _ = try await connection.query("PRAGMA busy_timeout=5000")
        _ = try await connection.query("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        let rows = try await connection.query("SELECT value FROM meta WHERE key = 'schema_version'")
        let version = rows.first?.column("value")?.string.flatMap(Int.init) ?? 0
        if version > SQLiteStore.schemaVersion {
            throw StoreError(
                "\(path) was written by a newer bandit-proxy (schema \(version); this one knows \(SQLiteStore.schemaVersion)); upgrade bandit-proxy or point storage elsewhere"
            )
        }
        if version < 1 {
            try await transaction {
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS experiments (
                        name TEXT PRIMARY KEY, status TEXT NOT NULL, winner TEXT, generation INTEGER NOT NULL,
                        arms TEXT)
                    """)
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS arm_counts (
                        experiment TEXT NOT NULL, arm TEXT NOT NULL,
                        assignments INTEGER NOT NULL, views INTEGER NOT NULL, conversions INTEGER NOT NULL,
                        PRIMARY KEY (experiment, arm))
                    """)
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS arm_hourly (
                        experiment TEXT NOT NULL, arm TEXT NOT NULL, hour INTEGER NOT NULL,
                        assignments INTEGER NOT NULL, views INTEGER NOT NULL, conversions INTEGER NOT NULL,
                        PRIMARY KEY (experiment, hour, arm))
                    """)
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS history (
                        experiment TEXT NOT NULL, generation INTEGER NOT NULL, reason TEXT NOT NULL,
                        ended_at INTEGER NOT NULL, arms TEXT NOT NULL)
                    """)
                try await setSchemaVersion(1)
            }
        }
        if version < 2 {
            // Forward only, in place: a file from before keeps its counts; confirmed views
            // start at 0 and every experiment is at version 1.
            try await transaction {
                _ = try await connection.query(
                    "ALTER TABLE arm_counts ADD COLUMN confirmed_views INTEGER NOT NULL DEFAULT 0")
                _ = try await connection.query(
                    "ALTER TABLE arm_hourly ADD COLUMN confirmed_views INTEGER NOT NULL DEFAULT 0")
                _ = try await connection.query("ALTER TABLE experiments ADD COLUMN version INTEGER")
                try await setSchemaVersion(2)
            }
        }
        if version < 3 {
            try await transaction {
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS segment_counts (
                        experiment TEXT NOT NULL, segment TEXT NOT NULL, value TEXT NOT NULL, arm TEXT NOT NULL,
                        views INTEGER NOT NULL, conversions INTEGER NOT NULL,
                        PRIMARY KEY (experiment, segment, value, arm))
                    """)
                try await setSchemaVersion(3)
            }
        }
    }

    private func setSchemaVersion(_ version: Int) async throws {
        _ = try await connection.query(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [.text(String(version))])
    }

    public func load() async throws -> StoredState {
        var state = StoredState()
        for row in try await connection.query(
            "SELECT name, status, winner, generation, arms, version FROM experiments")
        {
            guard let name = row.column("name")?.string else { continue }
            state.experiments[name] = StoredExperiment(
                status: row.column("status")?.string.flatMap(ExperimentStatus.init(rawValue:)) ?? .running,
                winner: row.column("winner")?.string,
                generation: row.column("generation")?.integer ?? 0,
                armNames: row.column("arms")?.string.flatMap { $0.isEmpty ? nil : $0.components(separatedBy: "\n") },
                version: row.column("version")?.integer)
        }
        let counts = try await connection.query(
            "SELECT experiment, arm, assignments, views, conversions, confirmed_views FROM arm_counts")
        for row in counts {
            guard let name = row.column("experiment")?.string, let arm = row.column("arm")?.string else { continue }
            state.experiments[name, default: StoredExperiment()].arms[arm] = ArmCounts(
                assignments: row.column("assignments")?.integer ?? 0,
                views: row.column("views")?.integer ?? 0,
                conversions: row.column("conversions")?.integer ?? 0,
                confirmedViews: row.column("confirmed_views")?.integer ?? 0)
        }
        let segments = try await connection.query(
            "SELECT experiment, segment, value, arm, views, conversions FROM segment_counts")
        for row in segments {
            guard let name = row.column("experiment")?.string, let segment = row.column("segment")?.string,
                let value = row.column("value")?.string, let arm = row.column("arm")?.string
            else { continue }
            state.experiments[name, default: StoredExperiment()].segments[
                SegmentKey(segment: segment, value: value, arm: arm)] = SegmentTally(
                    views: row.column("views")?.integer ?? 0, conversions: row.column("conversions")?.integer ?? 0)
        }
        return state
    }

    public func write(_ batch: StoreBatch) async throws {
        guard !batch.isEmpty else { return }
        try await transaction {
            for archive in batch.archives {
                let arms = String(decoding: try JSONEncoder().encode(archive.arms), as: UTF8.self)
                _ = try await connection.query(
                    "INSERT INTO history (experiment, generation, reason, ended_at, arms) VALUES (?, ?, ?, ?, ?)",
                    [
                        .text(archive.experiment), .integer(archive.generation), .text(archive.reason),
                        .integer(archive.endedAt), .text(arms),
                    ])
            }
            for name in batch.resets {
                _ = try await connection.query("DELETE FROM arm_counts WHERE experiment = ?", [.text(name)])
                _ = try await connection.query("DELETE FROM arm_hourly WHERE experiment = ?", [.text(name)])
                _ = try await connection.query("DELETE FROM segment_counts WHERE experiment = ?", [.text(name)])
            }
            for increment in batch.segmentIncrements {
                _ = try await connection.query(
                    """
                    INSERT INTO segment_counts (experiment, segment, value, arm, views, conversions)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (experiment, segment, value, arm) DO UPDATE SET
                        views = views + excluded.views, conversions = conversions + excluded.conversions
                    """,
                    [
                        .text(increment.experiment), .text(increment.key.segment), .text(increment.key.value),
                        .text(increment.key.arm), .integer(increment.delta.views),
                        .integer(increment.delta.conversions),
                    ])
            }
            for increment in batch.increments {
                _ = try await connection.query(
                    """
                    INSERT INTO arm_counts (experiment, arm, assignments, views, conversions, confirmed_views)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (experiment, arm) DO UPDATE SET
                        assignments = assignments + excluded.assignments,
                        views = views + excluded.views,
                        conversions = conversions + excluded.conversions,
                        confirmed_views = confirmed_views + excluded.confirmed_views
                    """,
                    [
                        .text(increment.experiment), .text(increment.arm), .integer(increment.delta.assignments),
                        .integer(increment.delta.views), .integer(increment.delta.conversions),
                        .integer(increment.delta.confirmedViews),
                    ])
                _ = try await connection.query(
                    """
                    INSERT INTO arm_hourly (experiment, arm, hour, assignments, views, conversions, confirmed_views)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (experiment, hour, arm) DO UPDATE SET
                        assignments = assignments + excluded.assignments,
                        views = views + excluded.views,
                        conversions = conversions + excluded.conversions,
                        confirmed_views = confirmed_views + excluded.confirmed_views
                    """,
                    [
                        .text(increment.experiment), .text(increment.arm), .integer(batch.hour),
                        .integer(increment.delta.assignments), .integer(increment.delta.views),
                        .integer(increment.delta.conversions), .integer(increment.delta.confirmedViews),
                    ])
            }
            for (name, state) in batch.states.sorted(by: { $0.key < $1.key }) {
                _ = try await connection.query(
                    """
                    INSERT OR REPLACE INTO experiments (name, status, winner, generation, arms, version)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(name), .text(state.status.rawValue), state.winner.map { .text($0) } ?? .null,
                        .integer(state.generation), .text(state.arms.joined(separator: "\n")), .integer(state.version),
                    ])
            }
        }
    }

    public func history(experiment: String) async throws -> [ArchivedVersion] {
        let rows = try await connection.query(
            "SELECT generation, reason, ended_at, arms FROM history WHERE experiment = ? ORDER BY rowid",
            [.text(experiment)])
        return rows.compactMap { row in
            guard let generation = row.column("generation")?.integer, let reason = row.column("reason")?.string,
                let endedAt = row.column("ended_at")?.integer, let text = row.column("arms")?.string,
                let arms = try? JSONDecoder().decode([ArchivedVersion.Arm].self, from: Data(text.utf8))
            else { return nil }
            return ArchivedVersion(
                experiment: experiment, generation: generation, reason: reason, endedAt: endedAt, arms: arms)
        }
    }

    public func series(experiment: String) async throws -> [SeriesPoint] {
        let rows = try await connection.query(
            """
            SELECT hour, arm, assignments, views, conversions, confirmed_views FROM arm_hourly
            WHERE experiment = ? ORDER BY hour, arm
            """,
            [.text(experiment)])
        return rows.compactMap { row in
            guard let hour = row.column("hour")?.integer, let arm = row.column("arm")?.string else { return nil }
            return SeriesPoint(
                hour: hour, arm: arm,
                counts: ArmCounts(
                    assignments: row.column("assignments")?.integer ?? 0, views: row.column("views")?.integer ?? 0,
                    conversions: row.column("conversions")?.integer ?? 0,
                    confirmedViews: row.column("confirmed_views")?.integer ?? 0))
        }
    }

    public func sessionSecret(storingIfAbsent candidate: String) async throws -> String {
        _ = try await connection.query(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('session_secret', ?)", [.text(candidate)])
        let rows = try await connection.query("SELECT value FROM meta WHERE key = 'session_secret'")
        guard let secret = rows.first?.column("value")?.string else {
            throw StoreError("the session secret could not be read back from \(path)")
        }
        return secret
    }

    public func close() async {
        try? await connection.close()
    }

    private func transaction(_ body: () async throws -> Void) async throws {
        try await gate.withLock {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                try await body()
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }
}

/// A storage failure described for a person.
public struct StoreError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
