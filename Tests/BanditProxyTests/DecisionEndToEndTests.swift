import BanditCore
import Foundation
import Testing

/// The winner rule through real sockets, with an experiment as a `proxy.json` without any
/// tuning gives it (Thompson sampling, the default floor and minimum detectable effect):
/// visitors load the source page, convert at their arm's rate, and the proxy decides.
@Suite struct DecisionEndToEndTests {
    /// The experiment of README's proxy.json, read by the config loader with every default.
    static func experiment(significance: Double) throws -> ExperimentConfig {
        let text = """
            {"upstream": "http://127.0.0.1:1", "experiments": [
              {"name": "headline", "source": "/", "target": "/contact/", "arms": ["control", "bold"],
               "header": "X-Bandit-Headline", "significance": \(significance)}]}
            """
        return try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/").experiments[0]
    }

    /// Sends `visitors` new visitors (or fewer, once the experiment is decided); each loads
    /// `/`, learns its arm from the page and converts with that arm's rate.
    static func visit(
        _ harness: ProxyHarness, visitors: Int, rates: [String: Double], seed: UInt64
    ) async throws -> Int {
        var rng = Xoshiro256(seed: seed)
        for count in 1...visitors {
            let visitor = Visitor(harness)
            let page = try await visitor.get("/")
            let arm = try #require(rates[page.body], "the page names the arm: \(page.body)")
            if Double.random(in: 0..<1, using: &rng) < arm { try await visitor.get("/contact/") }
            if harness.runtime.engine.experiment(named: "headline")!.state.status == .decided { return count }
        }
        return visitors
    }

    static func start(significance: Double) async throws -> ProxyHarness {
        let experiment = try experiment(significance: significance)
        #expect(experiment.minShares == [0.1, 0.1], "the default floor")
        return try await ProxyHarness.start(
            responder: { request in .init(body: request.header("X-Bandit-Headline") ?? "none") },
            configure: { $0.experiments = [experiment] })
    }

    @Test func theDefaultPolicyDecidesAClearWinnerWithinAFewThousandSessions() async throws {
        try await withProxy(await Self.start(significance: 0.05)) { harness in
            let sent = try await Self.visit(
                harness, visitors: 4000, rates: ["control": 0.03, "bold": 0.20], seed: 0xE2E)
            // The rule runs at each flush (every 50 ms here): wait for it rather than guess.
            let decided = try await FleetTests.waitUntil(within: .seconds(30)) {
                harness.runtime.engine.experiment(named: "headline")!.state.status == .decided
            }
            let state = harness.runtime.engine.experiment(named: "headline")!.state
            print("3% vs 20% through the proxy: decided after \(sent) visitors, counts \(harness.counts("headline"))")
            #expect(decided != nil)
            #expect(state.winner == 1, "bold wins")
            let report = try await harness.get("/__bandits/api/experiments/headline")
            #expect(report.body.contains("\"reason\" : \"bold converts better than every other arm"))
        }
    }

    @Test func anAAExperimentGetsNoWinner() async throws {
        // α = 0.001 so that this one run tests the plumbing, not luck (the error rate itself
        // is DecisionSimulationTests' business).
        try await withProxy(await Self.start(significance: 0.001)) { harness in
            _ = try await Self.visit(harness, visitors: 2000, rates: ["control": 0.10, "bold": 0.10], seed: 0xA2A)
            _ = await harness.runtime.keeper.flush()
            await harness.runtime.keeper.decideWinners()
            let state = harness.runtime.engine.experiment(named: "headline")!.state
            #expect(state.winner == nil)
            let views = harness.counts("headline").map(\.views)
            print("A/A through the proxy: views \(views), state \(state.status)")
            #expect(views.allSatisfy { $0 >= 150 }, "the floor keeps both arms measured: \(views)")
        }
    }
}
