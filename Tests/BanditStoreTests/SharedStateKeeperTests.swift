import BanditCore
import Logging
import Testing

@testable import BanditStore

/// Several keepers on one shared store, as several proxy instances on one PostgreSQL: each
/// sees the others' counts and decisions after its next flush, and none loses or doubles a
/// count, whatever interleaves with a flush.
@Suite struct SharedStateKeeperTests {
    static let config = ProxyConfig(
        upstream: UpstreamURL(host: "127.0.0.1", port: 1),
        experiments: [
            ExperimentConfig(
                name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"),
                arms: ["control", "bold"], minViews: 10)
        ])

    func makeKeeper(_ store: any StateStore) async throws -> StateKeeper {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let keeper = StateKeeper(
            engine: ExperimentEngine(config: Self.config, secret: "0123456789abcdef"), store: store, logger: logger)
        try await keeper.restore()
        return keeper
    }

    @Test func everyInstanceSeesTheGlobalCountsAndKeepsItsUnwrittenOnes() async throws {
        let store = SharedTestStore()
        let a = try await makeKeeper(store)
        let b = try await makeKeeper(store)
        a.engine.experiments[0].add(arm: 0, assignments: 3, views: 3, conversions: 1)
        b.engine.experiments[0].add(arm: 0, assignments: 2, views: 2)
        b.engine.experiments[0].add(arm: 1, assignments: 4, views: 4, conversions: 2)
        #expect(await a.flush())
        #expect(await b.flush())
        a.engine.experiments[0].add(arm: 1, views: 1)  // counted on A, not written yet
        store.failing.withLock { $0 = true }
        #expect(await a.flush() == false)
        store.failing.withLock { $0 = false }
        #expect(await a.flush())
        #expect(await b.flush())
        let truth = [
            ArmCounts(assignments: 5, views: 5, conversions: 1), ArmCounts(assignments: 4, views: 5, conversions: 2),
        ]
        #expect(a.engine.experiments[0].counts == truth)
        #expect(b.engine.experiments[0].counts == truth)
        let stored = try await store.load().experiments["headline"]
        #expect(stored?.arms["control"] == truth[0])
        #expect(stored?.arms["bold"] == truth[1])
    }

    @Test func aPauseOrWinnerOnOneInstanceReachesTheOtherOnItsNextFlush() async throws {
        let store = SharedTestStore()
        let a = try await makeKeeper(store)
        let b = try await makeKeeper(store)
        await a.pause(a.engine.experiments[0])
        #expect(b.engine.experiments[0].state.status == .running)
        #expect(await b.flush())
        #expect(b.engine.experiments[0].state.status == .paused)
        await b.declareWinner(b.engine.experiments[0], arm: 1)
        #expect(await a.flush())
        #expect(a.engine.experiments[0].state == .init(status: .decided, winner: 1, generation: 0))
    }

    @Test func aResetOnOneInstanceStartsTheNewVersionOnTheOther() async throws {
        let store = SharedTestStore()
        let a = try await makeKeeper(store)
        let b = try await makeKeeper(store)
        b.engine.experiments[0].add(arm: 0, assignments: 7, views: 7)
        #expect(await b.flush())
        b.engine.experiments[0].add(arm: 1, views: 2)  // old version, not written: void after the reset
        #expect(await a.flush())
        await a.reset(a.engine.experiments[0])
        a.engine.experiments[0].add(arm: 1, assignments: 1, views: 1)
        #expect(await a.flush())
        #expect(await b.flush())
        #expect(b.engine.experiments[0].state.generation == 1)
        #expect(b.engine.experiments[0].counts == [ArmCounts(), ArmCounts(assignments: 1, views: 1)])
        let stored = try await store.load().experiments["headline"]
        #expect(stored?.arms["bold"] == ArmCounts(assignments: 1, views: 1), "B's old-version views were dropped")
        #expect(try await store.history(experiment: "headline").count == 1)
    }

    @Test func theWinnerRuleDoesNotOverwriteAPauseItHadNotSeen() async throws {
        let store = SharedTestStore()
        let a = try await makeKeeper(store)
        let b = try await makeKeeper(store)
        b.engine.experiments[0].add(arm: 0, assignments: 2000, views: 2000, conversions: 100)
        b.engine.experiments[0].add(arm: 1, assignments: 2000, views: 2000, conversions: 300)
        await a.pause(a.engine.experiments[0])
        await b.decideWinners()
        #expect(b.engine.experiments[0].state.status == .decided)
        #expect(await b.flush())
        #expect(b.engine.experiments[0].state.status == .paused, "the stored pause won and was adopted")
        #expect(try await store.load().experiments["headline"]?.status == .paused)
    }

    @Test func anAdminActionDuringARefreshIsNotOverwrittenByIt() async throws {
        let store = SharedTestStore()
        let keeper = try await makeKeeper(store)
        let experiment = keeper.engine.experiments[0]
        #expect(await keeper.flush())
        store.loadGate.close()
        let flushing = Task { await keeper.flush() }
        try await store.loadGate.waitUntilHolding()  // the store said "running" and is held there
        let pausing = Task { await keeper.pause(experiment) }
        while experiment.state.status != .paused { try await Task.sleep(for: .milliseconds(2)) }
        store.loadGate.open()
        #expect(await flushing.value)
        await pausing.value
        #expect(experiment.state.status == .paused)
        #expect(try await store.load().experiments["headline"]?.status == .paused)
    }

    @Test(arguments: [false, true])
    func countsAddedDuringASlowWriteAreWrittenOnceLater(shared: Bool) async throws {
        let store = SharedTestStore(shared: shared)
        let keeper = try await makeKeeper(store)
        let experiment = keeper.engine.experiments[0]
        experiment.add(arm: 1, assignments: 2, views: 2)
        store.writeGate.close()
        let first = Task { await keeper.flush() }
        try await store.writeGate.waitUntilHolding()
        experiment.add(arm: 1, views: 3)
        // An admin action's flush arrives while the first write is held.
        let pausing = Task { await keeper.pause(experiment) }
        while experiment.state.status != .paused { try await Task.sleep(for: .milliseconds(2)) }
        store.writeGate.open()
        #expect(await first.value)
        await pausing.value
        #expect(await keeper.flush())
        let stored = try await store.load().experiments["headline"]
        #expect(stored?.arms["bold"] == ArmCounts(assignments: 2, views: 5))
        #expect(stored?.status == .paused)
        #expect(experiment.counts[1] == ArmCounts(assignments: 2, views: 5))
    }

    @Test func aResetDuringASlowWriteIsKept() async throws {
        let store = SharedTestStore(shared: false)
        let keeper = try await makeKeeper(store)
        let experiment = keeper.engine.experiments[0]
        experiment.add(arm: 0, assignments: 4, views: 4)
        store.writeGate.close()
        let first = Task { await keeper.flush() }
        try await store.writeGate.waitUntilHolding()
        let resetting = Task { await keeper.reset(experiment) }
        while experiment.state.generation != 1 { try await Task.sleep(for: .milliseconds(2)) }
        store.writeGate.open()
        #expect(await first.value)
        await resetting.value
        experiment.add(arm: 0, assignments: 1, views: 1)
        #expect(await keeper.flush())
        let stored = try await store.load().experiments["headline"]
        #expect(stored?.generation == 1)
        #expect(stored?.arms["control"] == ArmCounts(assignments: 1, views: 1), "nothing of the old version re-added")
    }

    @Test func theFlushLoopAsksAFailingStoreLessAndLessOften() async throws {
        let store = SharedTestStore()
        let keeper = try await makeKeeper(store)
        keeper.engine.experiments[0].add(arm: 0, views: 1)
        store.failing.withLock { $0 = true }
        let loop = Task { await keeper.run(every: .milliseconds(10)) }
        for _ in 0..<1000 where store.writeTimes.withLock({ $0.count }) < 6 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let times = store.writeTimes.withLock { $0 }
        try #require(times.count >= 6)
        // A sleep never ends early, so these lower bounds hold on the busiest machine:
        // every 10 ms would give gaps of 10 ms; after failures they double from 20 ms.
        for index in 1..<6 {
            let gap = times[index] - times[index - 1]
            #expect(gap >= .milliseconds(10 << index), "gap \(index): \(gap)")
        }
        store.failing.withLock { $0 = false }
        for _ in 0..<1000 where keeper.health != nil { try await Task.sleep(for: .milliseconds(10)) }
        loop.cancel()
        await loop.value
        #expect(keeper.health == nil, "one success and the loop is back to its interval")
        #expect(try await store.load().experiments["headline"]?.arms["control"]?.views == 1)
    }
}

@Suite struct RetryBackoffTests {
    @Test func doublesAfterEachFailureUpToTheCapAndResetsOnSuccess() {
        var backoff = RetryBackoff(interval: .seconds(1))
        var delays: [Duration] = []
        for _ in 0..<7 {
            backoff.record(success: false)
            delays.append(backoff.delay)
        }
        #expect(delays == [2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        backoff.record(success: true)
        #expect(backoff.delay == .seconds(1))
    }

    @Test func anIntervalLongerThanTheCapIsKept() {
        var backoff = RetryBackoff(interval: .seconds(60))
        backoff.record(success: false)
        #expect(backoff.delay == .seconds(60))
    }
}
