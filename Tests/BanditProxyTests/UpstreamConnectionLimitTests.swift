import BanditCore
import NIOCore
import Testing

@testable import BanditProxy

/// `limits.maxUpstreamConnections`: the upstream never sees more connections than that;
/// requests beyond it wait for a free one, and get 503 if none frees up in time.
@Suite struct UpstreamConnectionLimitTests {
    /// The proxy's event loops (the limit is shared among them, one pool each).
    static let loops = System.coreCount

    /// `count` requests at once, each on its own client connection.
    static func concurrentRequests(_ count: Int, to harness: ProxyHarness) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count {
                group.addTask { try await harness.get("/page/\(index)").status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func requestsBeyondTheLimitWaitForAFreeConnection() async throws {
        try await withProxy(
            await ProxyHarness.start(
                responder: { _ in .init(delay: .milliseconds(150)) },
                configure: { $0.maxUpstreamConnections = Self.loops })
        ) { harness in
            let statuses = try await Self.concurrentRequests(3 * Self.loops, to: harness)
            #expect(statuses == Array(repeating: 200, count: 3 * Self.loops), "every request waited its turn")
            #expect(harness.upstream.peakConnections <= Self.loops)
            #expect(harness.upstream.requests.count == 3 * Self.loops)
        }
    }

    @Test func aRequestWaitingPastTheConnectTimeoutGets503() async throws {
        try await withProxy(
            await ProxyHarness.start(
                // The connect timeout also bounds the TCP connect itself: 0.3 s was too short for
                // one on a busy machine (a 502), so 2 s, and an upstream slower than that.
                responder: { _ in .init(delay: .seconds(6)) },
                configure: {
                    $0.maxUpstreamConnections = Self.loops
                    $0.timeouts.connectSeconds = 2
                })
        ) { harness in
            // Two per event loop (connections are spread round-robin): one of each pair waits.
            let statuses = try await Self.concurrentRequests(2 * Self.loops, to: harness)
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 503 }, "\(statuses)")
            #expect(statuses.contains(503), "\(statuses)")
            #expect(harness.upstream.peakConnections <= Self.loops)
        }
    }

    @Test func withoutALimitEveryRequestGetsItsOwnConnection() async throws {
        // Answers slow enough that no request can find another's connection idle, even in a busy suite.
        try await withProxy(await ProxyHarness.start(responder: { _ in .init(delay: .seconds(2)) })) { harness in
            let statuses = try await Self.concurrentRequests(2 * Self.loops, to: harness)
            #expect(statuses == Array(repeating: 200, count: 2 * Self.loops))
            #expect(harness.upstream.peakConnections == 2 * Self.loops)
        }
    }
}
