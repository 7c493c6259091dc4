import Foundation
import Logging
import PostgresNIO

/// Applies one batch inside the caller's transaction, in `StoreBatch`'s order: archives,
/// resets, increments (segments' too), states.
///
/// Increments go in one statement per table (`unnest` of arrays), whatever the number of
/// arms, so a batch costs the same few round trips at ten events or ten thousand.
struct PostgresBatchWriter {
    let connection: PostgresConnection
    let logger: Logger

    func apply(_ batch: StoreBatch) async throws {
        for archive in batch.archives {
            let arms = String(decoding: try JSONEncoder().encode(archive.arms), as: UTF8.self)
            try await connection.query(
                """
                INSERT INTO history (experiment, generation, reason, ended_at, arms)
                VALUES (\(archive.experiment), \(archive.generation), \(archive.reason), \(archive.endedAt), \(arms))
                """, logger: logger)
        }
        if !batch.resets.isEmpty {
            try await connection.query("DELETE FROM arm_counts WHERE experiment = ANY(\(batch.resets))", logger: logger)
            try await connection.query("DELETE FROM arm_hourly WHERE experiment = ANY(\(batch.resets))", logger: logger)
            try await connection.query(
                "DELETE FROM segment_counts WHERE experiment = ANY(\(batch.resets))", logger: logger)
        }
        let segmentIncrements = batch.summedSegmentIncrements
        if !segmentIncrements.isEmpty {
            try await connection.query(
                """
                INSERT INTO segment_counts (experiment, segment, value, arm, views, conversions)
                SELECT * FROM unnest(\(segmentIncrements.map(\.experiment))::text[],
                                     \(segmentIncrements.map(\.key.segment))::text[],
                                     \(segmentIncrements.map(\.key.value))::text[],
                                     \(segmentIncrements.map(\.key.arm))::text[],
                                     \(segmentIncrements.map(\.delta.views))::bigint[],
                                     \(segmentIncrements.map(\.delta.conversions))::bigint[])
                ON CONFLICT (experiment, segment, value, arm) DO UPDATE SET
                    views = segment_counts.views + excluded.views,
                    conversions = segment_counts.conversions + excluded.conversions
                """, logger: logger)
        }
        let increments = batch.summedIncrements
        if !increments.isEmpty {
            let experiments = increments.map(\.experiment)
            let arms = increments.map(\.arm)
            let assignments = increments.map(\.delta.assignments)
            let views = increments.map(\.delta.views)
            let conversions = increments.map(\.delta.conversions)
            let confirmed = increments.map(\.delta.confirmedViews)
            try await connection.query(
                """
                INSERT INTO arm_counts (experiment, arm, assignments, views, conversions, confirmed_views)
                SELECT * FROM unnest(\(experiments)::text[], \(arms)::text[], \(assignments)::bigint[],
                                     \(views)::bigint[], \(conversions)::bigint[], \(confirmed)::bigint[])
                ON CONFLICT (experiment, arm) DO UPDATE SET
                    assignments = arm_counts.assignments + excluded.assignments,
                    views = arm_counts.views + excluded.views,
                    conversions = arm_counts.conversions + excluded.conversions,
                    confirmed_views = arm_counts.confirmed_views + excluded.confirmed_views
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO arm_hourly (experiment, arm, hour, assignments, views, conversions, confirmed_views)
                SELECT e, a, \(batch.hour)::bigint, s, v, c, k
                FROM unnest(\(experiments)::text[], \(arms)::text[], \(assignments)::bigint[],
                            \(views)::bigint[], \(conversions)::bigint[], \(confirmed)::bigint[])
                    AS i(e, a, s, v, c, k)
                ON CONFLICT (experiment, hour, arm) DO UPDATE SET
                    assignments = arm_hourly.assignments + excluded.assignments,
                    views = arm_hourly.views + excluded.views,
                    conversions = arm_hourly.conversions + excluded.conversions,
                    confirmed_views = arm_hourly.confirmed_views + excluded.confirmed_views
                """, logger: logger)
        }
        for (name, state) in batch.states.sorted(by: { $0.key < $1.key }) {
            let arms = state.arms.joined(separator: "\n")
            try await connection.query(
                """
                INSERT INTO experiments (name, status, winner, generation, arms, version)
                VALUES (\(name), \(state.status.rawValue), \(state.winner), \(state.generation), \(arms),
                        \(state.version))
                ON CONFLICT (name) DO UPDATE SET
                    status = excluded.status, winner = excluded.winner, generation = excluded.generation,
                    arms = excluded.arms, version = excluded.version
                """, logger: logger)
        }
    }
}
