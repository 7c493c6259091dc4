import BanditCore
import Foundation
import Logging
import PostgresTestSupport
import Testing

@testable import BanditStore

/// The SQLite store's tests, against PostgreSQL, plus what only a shared store must get right:
/// concurrent first starts, concurrent writers, stale writes, a lost commit acknowledgement.
@Suite(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipReason)))
struct PostgresStoreTests {
    @Test func sessionSecretIsGeneratedOnceAndSharedByEveryInstance() async throws {
        try await TestPostgres.withDatabase { url in
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresStore.open(url: url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let secrets = try await withThrowingTaskGroup(of: String.self) { group in
                for (number, store) in stores.enumerated() {
                    group.addTask { try await store.sessionSecret(storingIfAbsent: "candidate-\(number)") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for store in stores { await store.close() }
            let reopened = try await PostgresStore.open(url: url)
            let later = try await reopened.sessionSecret(storingIfAbsent: "a-later-candidate")
            await reopened.close()
            #expect(Set(secrets).count == 1, "concurrent first starts agree on one secret: \(secrets)")
            #expect(secrets.first?.hasPrefix("candidate-") == true)
            #expect(later == secrets.first)
        }
    }

    @Test func concurrentFirstStartsOnAnEmptyDatabaseAllSucceed() async throws {
        try await TestPostgres.withDatabase { url in
            let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let store = try await PostgresStore.open(url: url)
                        await store.close()
                        return true
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(opened == 6)
        }
    }

    @Test func concurrentWritersAddUpExactly() async throws {
        try await TestPostgres.withDatabase { url in
            let first = try await PostgresStore.open(url: url)
            let second = try await PostgresStore.open(url: url)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in [first, second] {
                    group.addTask {
                        for round in 0..<40 {
                            var batch = StoreBatch()
                            // Both arms in every batch, in an order that differs between rounds.
                            let arms = round.isMultiple(of: 2) ? ["a", "b"] : ["b", "a"]
                            batch.increments = arms.map {
                                .init(
                                    experiment: "e", arm: $0, delta: ArmCounts(assignments: 1, views: 2, conversions: 1)
                                )
                            }
                            batch.states["e"] = .init(status: .running, winner: nil, generation: 0, arms: ["a", "b"])
                            try await store.write(batch)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await first.load().experiments["e"]
            await first.close()
            await second.close()
            #expect(stored?.arms["a"] == ArmCounts(assignments: 80, views: 160, conversions: 80))
            #expect(stored?.arms["b"] == ArmCounts(assignments: 80, views: 160, conversions: 80))
        }
    }

    @Test func aDatabaseFromANewerVersionIsRefusedWithAClearMessage() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore.open(url: url)
            await store.close()
            try await TestPostgres.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'", in: url)
            await #expect {
                _ = try await PostgresStore.open(url: url)
            } throws: { error in
                "\(error)".contains("newer bandit-proxy") && "\(error)".contains("schema 99")
            }
        }
    }

    @Test func writesAboutAVersionAnotherInstanceEndedAreDropped() async throws {
        try await TestPostgres.withDatabase { url in
            let resetter = try await PostgresStore.open(url: url)
            let laggard = try await PostgresStore.open(url: url)
            var start = StoreBatch()
            start.states["e"] = .init(status: .running, winner: nil, generation: 0, arms: ["a", "b"])
            start.increments = [.init(experiment: "e", arm: "a", delta: ArmCounts(views: 5), generation: 0)]
            try await laggard.write(start)

            // One instance resets (generation 1) and pauses ...
            var reset = StoreBatch()
            reset.archives = [
                ArchivedVersion(
                    experiment: "e", generation: 0, reason: "reset", endedAt: 1,
                    arms: [.init(name: "a", counts: ArmCounts(views: 5))])
            ]
            reset.resets = ["e"]
            reset.states["e"] = .init(status: .paused, winner: nil, generation: 1, arms: ["a", "b"])
            try await resetter.write(reset)

            // ... while the other, not knowing yet, counts for generation 0, lets the winner rule
            // decide, and resets generation 0 itself.
            var stale = StoreBatch()
            stale.increments = [.init(experiment: "e", arm: "a", delta: ArmCounts(views: 3), generation: 0)]
            stale.states["e"] = .init(status: .decided, winner: "a", generation: 0, arms: ["a", "b"], automatic: true)
            try await laggard.write(stale)
            var automatic = StoreBatch()
            automatic.states["e"] = .init(
                status: .decided, winner: "a", generation: 1, arms: ["a", "b"], automatic: true)
            try await laggard.write(automatic)
            var staleReset = reset
            staleReset.states["e"]?.status = .running
            try await laggard.write(staleReset)

            let stored = try #require(try await resetter.load().experiments["e"])
            let history = try await resetter.history(experiment: "e")
            await resetter.close()
            await laggard.close()
            #expect(stored.generation == 1)
            #expect(stored.status == .paused, "the rule's decision does not overwrite a pause it had not seen")
            #expect(stored.arms["a"] == nil, "counts of the ended version are not added to the new one")
            #expect(history.count == 1, "the same version is archived once")
        }
    }
}

/// The keeper on PostgreSQL: what the SQLite keeper tests check, plus a lost acknowledgement.
@Suite(.enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipReason)))
struct PostgresKeeperTests {
    func makeKeeper(_ store: any StateStore, arms: [String] = ["control", "bold"]) -> StateKeeper {
        var config = StateKeeperTests.config
        config.experiments[0].arms = arms
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return StateKeeper(
            engine: ExperimentEngine(config: config, secret: "0123456789abcdef"), store: store, logger: logger)
    }

    @Test func aCommitWhoseAcknowledgementWasLostIsNotCountedTwice() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore.open(url: url)
            let keeper = makeKeeper(store)
            try await keeper.restore()
            let experiment = keeper.engine.experiments[0]
            experiment.add(arm: 1, assignments: 4, views: 4, conversions: 1)
            store.dropNextAcknowledgement.withLock { $0 = true }
            #expect(await keeper.flush() == false, "the keeper cannot know the batch was stored")
            #expect(keeper.health?.contains("not acknowledged") == true)
            experiment.add(arm: 1, views: 2)
            #expect(await keeper.flush())  // resends all six views; the store subtracts the four it has
            experiment.add(arm: 0, views: 1)
            #expect(await keeper.flush())
            let stored = try await store.load().experiments["headline"]
            await store.close()
            #expect(stored?.arms["bold"] == ArmCounts(assignments: 4, views: 6, conversions: 1))
            #expect(stored?.arms["control"] == ArmCounts(views: 1))
            #expect(experiment.counts == [ArmCounts(views: 1), ArmCounts(assignments: 4, views: 6, conversions: 1)])
        }
    }
}

/// Needs no server: nothing listens on port 1.
@Suite struct PostgresUnreachableTests {
    @Test func anUnreachableServerIsRefusedAtStartNamingHostAndPort() async throws {
        await #expect {
            _ = try await PostgresStore.open(url: "postgres://bandit:secret@127.0.0.1:1/bandits?sslmode=disable")
        } throws: { error in
            let text = "\(error)"
            return text.contains("127.0.0.1:1") && text.contains("cannot connect") && !text.contains("secret")
        }
    }

    /// A server that accepts and hangs up: the start gives up after one attempt, not after the
    /// pool's minute of retries (counted, not timed: a busy machine stretches any time).
    @Test func aServerThatHangsUpIsTriedOnceAtStart() async throws {
        let listener = try CountingListener()
        defer { listener.stop() }
        await #expect {
            _ = try await PostgresStore.open(
                url: "postgres://bandit:secret@127.0.0.1:\(listener.port)/bandits?sslmode=disable")
        } throws: { error in
            "\(error)".contains("127.0.0.1:\(listener.port)")
        }
        #expect(listener.connections == 1)
    }
}
