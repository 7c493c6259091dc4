import BanditCore
import BanditProxy
import Foundation
import Testing

/// Arms that need no code in the site: a `path` fetched in place of the source page, a
/// `redirect` to it, an `upstream` that serves every request of the arm's sessions.
@Suite struct ArmVariantTests {
    /// The headline experiment with its second arm turned into `variant`, split evenly.
    static func harness(
        _ variant: ArmVariant, responder: @escaping RecordingUpstream.Responder = { _ in .init() }
    ) async throws -> ProxyHarness {
        try await ProxyHarness.start(responder: responder) { config in
            config.experiments[0].algorithm = .uniform
            config.experiments[0].armVariants[1] = variant
        }
    }

    /// Visitors until both arms have been seen a few times, each recording its arm and what it got.
    static func visitors(
        _ harness: ProxyHarness, path: String = "/?utm_source=mail", until enough: Int = 5
    ) async throws -> [(arm: String, response: SimpleHTTPClient.Response, visitor: Visitor)] {
        var seen: [(String, SimpleHTTPClient.Response, Visitor)] = []
        while Set(seen.map(\.0)).count < 2 || seen.filter({ $0.0 == "bold" }).count < enough {
            let visitor = Visitor(harness)
            let response = try await visitor.get(path)
            let cookie = try #require(visitor.cookie)
            let arm = cookie.contains("headline:0:1:") ? "bold" : "control"
            seen.append((arm, response, visitor))
        }
        return seen
    }

    @Test func aPathArmFetchesItsPageInPlaceAndCountsTheView() async throws {
        try await withProxy(await Self.harness(ArmVariant(path: "/landing-v2/"))) { harness in
            let seen = try await Self.visitors(harness)
            for (arm, response, _) in seen { #expect(response.status == 200, "\(arm): no redirect") }
            let uris = harness.upstream.requests.map(\.uri)
            let bold = seen.filter { $0.arm == "bold" }.count
            #expect(uris.filter { $0 == "/landing-v2/?utm_source=mail" }.count == bold, "the query string is kept")
            #expect(uris.filter { $0 == "/?utm_source=mail" }.count == seen.count - bold)
            #expect(harness.counts("headline").map(\.views) == [seen.count - bold, bold])
            #expect(
                harness.upstream.requests.allSatisfy { $0.header("X-Bandit-Headline") != nil },
                "the arm is still named to the site")
            // Another page of the same session is fetched as it is.
            let (_, _, visitor) = try #require(seen.first { $0.arm == "bold" })
            try await visitor.get("/contact/")
            #expect(harness.upstream.requests.last?.uri == "/contact/")
            #expect(harness.counts("headline")[1].conversions == 1)
        }
    }

    @Test func aRedirectArmSendsTheVisitorThereAndCountsTheViewOnce() async throws {
        try await withProxy(await Self.harness(ArmVariant(path: "/landing-v2/", redirect: true))) { harness in
            let seen = try await Self.visitors(harness)
            for (arm, response, visitor) in seen where arm == "bold" {
                #expect(response.status == 302)
                #expect(response.header("location") == "/landing-v2/?utm_source=mail")
                #expect(response.header("cache-control")?.contains("no-store") == true)
                // The browser follows: the arm's page is proxied, and no second view is counted.
                #expect(try await visitor.get("/landing-v2/?utm_source=mail").status == 200)
            }
            let bold = seen.filter { $0.arm == "bold" }.count
            #expect(harness.counts("headline").map(\.views) == [seen.count - bold, bold])
            #expect(
                !harness.upstream.requests.contains { $0.path == "/" && $0.header("X-Bandit-Headline") == "bold" },
                "a redirected visitor's source page never reaches the site")
            let (_, _, visitor) = try #require(seen.first { $0.arm == "bold" })
            try await visitor.get("/contact/")
            #expect(harness.counts("headline")[1].conversions == 1)
        }
    }

    @Test func anUpstreamArmIsServedEntirelyByItsOwnUpstreamUntilItWins() async throws {
        let second = try await RecordingUpstream.start { _ in .init(body: "new stack") }
        defer { Task { try await second.stop() } }
        try await withProxy(await Self.harness(ArmVariant(upstream: UpstreamURL(host: "127.0.0.1", port: second.port))))
        {
            harness in
            let seen = try await Self.visitors(harness)
            for (arm, response, visitor) in seen {
                #expect(response.body == (arm == "bold" ? "new stack" : "ok"), "\(arm)")
                // Every later request of the session too: another page, and an excluded asset.
                for path in ["/about/", "/static/app.js"] {
                    let later = try await visitor.get(path)
                    #expect(later.body == (arm == "bold" ? "new stack" : "ok"), "\(arm) \(path)")
                }
            }
            let bold = seen.filter { $0.arm == "bold" }.count
            #expect(second.requests.count == 3 * bold)
            #expect(harness.upstream.requests.count == 3 * (seen.count - bold))
            #expect(harness.counts("headline").map(\.views) == [seen.count - bold, bold])

            let winner = try await harness.get(
                "/__bandits/api/experiments/headline/winner", method: "POST", body: #"{"arm": "bold"}"#)
            #expect(winner.status == 200)
            let newcomer = Visitor(harness)
            #expect(try await newcomer.get("/about/").body == "new stack", "the winner's upstream serves everyone")
            let (_, _, control) = try #require(seen.first { $0.arm == "control" })
            #expect(try await control.get("/").body == "new stack")
        }
    }

    @Test func anUnreachableArmUpstreamGets502AndCountsNothing() async throws {
        try await withProxy(await Self.harness(ArmVariant(upstream: UpstreamURL(host: "127.0.0.1", port: 9)))) {
            harness in
            var statuses: [Int] = []
            while !statuses.contains(502) || !statuses.contains(200) {
                statuses.append(try await Visitor(harness).get("/").status)
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 502 })
            #expect(harness.counts("headline").map(\.views) == [statuses.filter { $0 == 200 }.count, 0])
            // Each arm's requests as the proxy answered them, in the API.
            let api = try await harness.get("/__bandits/api/experiments/headline")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
            let requests = try #require(report["arms"] as? [[String: Any]]).map { $0["guardrail"] as? [String: Any] }
            #expect(requests[0]?["requests"] as? Int == statuses.filter { $0 == 200 }.count)
            #expect(requests[0]?["errorRate"] as? Double == 0)
            #expect(requests[0]?["p50Ms"] as? Double != nil)
            #expect(requests[1]?["requests"] as? Int == statuses.filter { $0 == 502 }.count)
            #expect(requests[1]?["errorRate"] as? Double == 1, "every request of the broken arm got a 502")
            #expect(requests[1]?["tripped"] as? Bool == false, "no guardrails configured: nothing trips")
            let dashboard = try await harness.get("/__bandits")
            #expect(dashboard.body.contains("requests · 5xx 100"), "the broken arm's 5xx share on the dashboard")
        }
    }
}
