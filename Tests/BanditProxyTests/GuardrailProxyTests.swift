import BanditCore
import BanditProxy
import Foundation
import Synchronization
import Testing

/// Guardrails through the proxy, on real sockets: an arm whose own upstream breaks (errors,
/// or slowness) stops itself, its sessions get the control's upstream, and an admin can
/// restore it; identical arms do not stop.
@Suite struct GuardrailProxyTests {
    /// The headline experiment, split evenly, its second arm ("bold") served by `armUpstream`,
    /// with `guardrails`.
    static func harness(
        armUpstream: RecordingUpstream, guardrails: GuardrailConfig,
        control: @escaping RecordingUpstream.Responder = { _ in .init(body: "control") }
    ) async throws -> ProxyHarness {
        try await ProxyHarness.start(responder: control) { config in
            config.experiments[0].algorithm = .uniform
            config.experiments[0].armVariants[1] = ArmVariant(
                upstream: UpstreamURL(host: "127.0.0.1", port: armUpstream.port))
            config.experiments[0].guardrails = guardrails
        }
    }

    /// Each arm's `guardrail` object in the API.
    static func guardrail(_ harness: ProxyHarness) async throws -> [[String: Any]] {
        let response = try await harness.get("/__bandits/api/experiments/headline")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let arms = try #require(report["arms"] as? [[String: Any]])
        return try arms.map { try #require($0["guardrail"] as? [String: Any]) }
    }

    static func isTripped(_ harness: ProxyHarness, arm: Int = 1) async throws -> Bool {
        try await guardrail(harness)[arm]["tripped"] as? Bool == true
    }

    static func metric(_ harness: ProxyHarness, arm: String) async throws -> String? {
        let body = try await harness.get("/__bandits/metrics").body
        let prefix = #"bandit_guardrail_tripped{experiment="headline",arm="\#(arm)"} "#
        return body.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// A visitor whose session is on `arm`.
    static func visitor(on arm: String, _ harness: ProxyHarness) async throws -> Visitor {
        while true {
            let visitor = Visitor(harness)
            try await visitor.get("/")
            if visitor.cookie?.contains("headline:0:\(arm == "bold" ? 1 : 0):") == true { return visitor }
        }
    }

    @Test func anArmWhoseUpstreamFailsTripsItsSessionsGetTheControlAndRestoreBringsThemBack() async throws {
        // Every other request of the new stack fails.
        let served = Atomic<Int>(0)
        let newStack = try await RecordingUpstream.start { _ in
            served.wrappingAdd(1, ordering: .relaxed).newValue % 2 == 0
                ? .init(status: 500, body: "new stack broken") : .init(body: "new stack")
        }
        let harness = try await Self.harness(armUpstream: newStack, guardrails: GuardrailConfig(maxErrorRate: 0.05))
        // The runtime serving at the end: the one a reload below returns.
        let running = RunningRuntime(harness.runtime)
        defer {
            Task {
                await running.current.shutdown()
                try await harness.upstream.stop()
                try await newStack.stop()
            }
        }
        let boldVisitor = try await Self.visitor(on: "bold", harness)
        // Sessions of three pages each, until the arm has enough requests to be judged (or trips).
        while try await Self.guardrail(harness)[1]["requests"] as? Int ?? 0 < 100, try await !Self.isTripped(harness) {
            let visitor = Visitor(harness)
            for page in ["/", "/about/", "/pricing/"] { try await visitor.get(page) }
        }
        let tripped = try await FleetTests.waitUntil(within: .seconds(30)) { try await Self.isTripped(harness) }
        #expect(tripped != nil, "a flush trips the arm")
        let figures = try await Self.guardrail(harness)[1]
        let requests = try #require(figures["requests"] as? Int)
        #expect(requests <= 150, "tripped within a bounded number of its requests (\(requests))")
        #expect((figures["reason"] as? String)?.hasPrefix("5xx ") == true, "\(figures)")
        #expect(figures["trippedAt"] as? Int != nil)
        #expect(try await !Self.isTripped(harness, arm: 0), "the control never trips")

        // Its session is served the control's upstream from its next request, as is everyone new.
        let before = newStack.requests.count
        #expect(try await boldVisitor.get("/about/").body == "control")
        #expect(boldVisitor.lastArm() == "control")
        for _ in 0..<20 { #expect(try await Visitor(harness).get("/").body == "control") }
        #expect(newStack.requests.count == before)
        #expect(try await Self.metric(harness, arm: "bold") == "1")
        #expect(try await Self.metric(harness, arm: "control") == "0")
        let dashboard = try await harness.get("/__bandits").body
        #expect(dashboard.contains("badge tripped") && dashboard.contains("tripped at"))
        #expect(dashboard.contains("serving control only"))

        // A reload with the same limits keeps the trip.
        let reloaded = try await harness.runtime.reload(harness.runtime.config)
        running.current = reloaded
        #expect(try await Self.isTripped(harness))
        #expect(try await boldVisitor.get("/about/").body == "control")

        // Restore: admin only, POST only, a real arm that is tripped.
        #expect(try await harness.get("/__bandits/api/experiments/headline/arms/bold/restore").status == 405)
        let unknown = try await harness.get("/__bandits/api/experiments/headline/arms/bolder/restore", method: "POST")
        #expect(unknown.status == 404)
        let restore = try await harness.get("/__bandits/api/experiments/headline/arms/bold/restore", method: "POST")
        #expect(restore.status == 200)
        #expect(try await boldVisitor.get("/about/").body.hasPrefix("new stack"), "its sessions are put back")
        #expect(try await !Self.isTripped(harness))
        #expect(try await Self.metric(harness, arm: "bold") == "0")
        let again = try await harness.get("/__bandits/api/experiments/headline/arms/bold/restore", method: "POST")
        #expect(again.status == 409)
    }

    @Test func identicalArmsDoNotTripInAFewHundredSessions() async throws {
        // Both arms' upstreams fail one request in fifty.
        func failingOneInFifty() -> RecordingUpstream.Responder {
            let served = Atomic<Int>(0)
            return { _ in
                served.wrappingAdd(1, ordering: .relaxed).newValue % 50 == 0
                    ? .init(status: 503, body: "busy") : .init(body: "ok")
            }
        }
        let twin = try await RecordingUpstream.start(responder: failingOneInFifty())
        let harness = try await Self.harness(
            armUpstream: twin, guardrails: GuardrailConfig(maxErrorRate: 0.01), control: failingOneInFifty())
        defer {
            Task {
                try await harness.stop()
                try await twin.stop()
            }
        }
        for _ in 0..<300 {
            let visitor = Visitor(harness)
            for page in ["/", "/about/", "/pricing/"] { try await visitor.get(page) }
        }
        await harness.runtime.keeper.checkGuardrails()
        let figures = try await Self.guardrail(harness)
        #expect(figures.allSatisfy { $0["tripped"] as? Bool == false }, "\(figures)")
        let errors = figures.map { ($0["errorRate"] as? Double ?? 0) * Double($0["requests"] as? Int ?? 0) }
        #expect(errors.allSatisfy { $0 > 0 }, "both arms had errors: \(figures)")
        #expect(try await Self.metric(harness, arm: "bold") == "0")
    }

    @Test func aSlowArmTripsOnSlowMs() async throws {
        // The new stack's head comes seven times later than slowMs; the control's at once. A busy
        // machine makes some of the control's requests slow too: the test keeps sending until the
        // evidence is there (or the arm has had 400 requests), as a site would.
        let newStack = try await RecordingUpstream.start { _ in .init(body: "new stack", delay: .milliseconds(1400)) }
        let harness = try await Self.harness(
            armUpstream: newStack, guardrails: GuardrailConfig(slowMs: 200, maxSlowRate: 0.2, minRequests: 30))
        defer {
            Task {
                try await harness.stop()
                try await newStack.stop()
            }
        }
        // Visitors twenty at a time, so that the slow arm's requests do not add up in time.
        while try await !Self.isTripped(harness), try await (Self.guardrail(harness)[1]["requests"] as? Int ?? 0) < 400
        {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 { group.addTask { try await Visitor(harness).get("/") } }
                try await group.waitForAll()
            }
        }
        let tripped = try await FleetTests.waitUntil(within: .seconds(60)) { try await Self.isTripped(harness) }
        let figures = try await Self.guardrail(harness)
        #expect(tripped != nil, "\(figures)")
        #expect((figures[1]["reason"] as? String)?.hasPrefix("slow (>200 ms)") == true, "\(figures[1])")
        #expect(figures[1]["slowRate"] as? Double == 1)
        #expect(figures[1]["errorRate"] as? Double == 0)
        #expect(try await Visitor(harness).get("/").body == "control")
    }
}

/// The runtime serving now, for a test that reloads to shut down the right one.
private final class RunningRuntime: Sendable {
    private let runtime: Mutex<ProxyRuntime>
    init(_ runtime: ProxyRuntime) { self.runtime = Mutex(runtime) }
    var current: ProxyRuntime {
        get { runtime.withLock { $0 } }
        set { runtime.withLock { $0 = newValue } }
    }
}
