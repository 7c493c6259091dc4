import BanditCore
import BanditHTML
import Foundation
import Testing

@testable import BanditProxy

/// Click and submit goals with no code in the site: the proxy adds its goal script to the
/// pages of sessions in the experiment, serves it with caching headers, and says so when a
/// site's Content-Security-Policy would block it.
@Suite struct GoalScriptTests {
    static let page = """
        <!doctype html><html><head><title>Shop</title></head><body>
        <h1 id="headline">Welcome</h1><a class="cta" href="/signup/">Sign up</a>
        </body></html>
        """

    /// The headline experiment converting on a click on `a.cta`; pages answered with `csp`.
    static func harness(csp: String? = nil) async throws -> ProxyHarness {
        let goal = ElementGoal(.click, try HTMLSelector(parsing: "a.cta"))
        return try await ProxyHarness.start(
            responder: { request in
                guard request.path != "/logo.png" else { return .init(headers: [("Content-Type", "image/png")]) }
                var headers = [("Content-Type", "text/html; charset=utf-8")]
                if let csp { headers.append(("Content-Security-Policy", csp)) }
                return .init(headers: headers, body: page)
            },
            configure: { config in
                config.experiments[0].elementGoals = [goal]
                config.experiments[0].goals = []
            })
    }

    static func scriptTag(in body: String) -> String? {
        guard let start = body.range(of: "<script src=\"/__bandits/goals/") else { return nil }
        guard let end = body[start.lowerBound...].range(of: "</script>") else { return nil }
        return String(body[start.lowerBound..<end.upperBound])
    }

    static func report(_ harness: ProxyHarness) async throws -> [String: Any] {
        let api = try await harness.get("/__bandits/api/experiments/headline")
        return try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
    }

    @Test func aViewedSessionsPagesGetTheScriptAndItsBeaconCountsOnce() async throws {
        try await withProxy(await Self.harness()) { harness in
            let stranger = try await Visitor(harness).get("/pricing/")
            #expect(stranger.body == Self.page, "a session not in the experiment gets the page as it is")

            let visitor = Visitor(harness)
            let source = try await visitor.get("/")
            let tag = try #require(Self.scriptTag(in: source.body))
            #expect(tag.hasSuffix(#" data-experiments="headline" defer></script>"#))
            #expect(source.body.contains(tag + "</head>"), "at the end of head")
            #expect(source.body.replacingOccurrences(of: tag, with: "") == Self.page, "nothing else changes")
            let other = try await visitor.get("/pricing/")
            #expect(Self.scriptTag(in: other.body) == tag, "any HTML page of the session")
            #expect(try await visitor.get("/logo.png").body == "ok", "not an image")
            // A browser's request for an image or a style is not for a page: left as it is.
            let image = [("Accept", "image/avif,image/webp,*/*"), ("Accept-Encoding", "gzip, br")]
            _ = try await visitor.get("/logo.png", headers: image)
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == "gzip, br")
            _ = try await visitor.get(
                "/pricing/", headers: [("Accept", "text/html,*/*"), ("Accept-Encoding", "gzip, br")])
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == "gzip", "a page may be edited")

            // The script, as the browser fetches it: same origin, cached for good.
            let src = String(tag.split(separator: "\"")[1])
            let script = try await visitor.get(src)
            #expect(script.status == 200)
            #expect(script.header("content-type") == "text/javascript; charset=utf-8")
            #expect(script.header("cache-control") == "public, max-age=31536000, immutable")
            #expect(script.body.contains(#"{"headline":[["click","a.cta"]]}"#))
            #expect(script.body.contains("navigator.sendBeacon"))
            #expect(script.body.contains("/__bandits/convert?experiment="))
            #expect(try await harness.get(src, method: "POST").status == 405)

            // What the script sends on a click: the beacon, with the session's cookie.
            let origin = ("Origin", "http://127.0.0.1:\(harness.port)")
            let beacon = "/__bandits/convert?experiment=headline"
            let counted = try await harness.get(beacon, headers: [("Cookie", visitor.cookie!), origin], method: "POST")
            #expect(counted.body.contains(#""counted" : true"#))
            visitor.cookie = String(try #require(counted.header("set-cookie")).split(separator: ";")[0])
            let again = try await harness.get(beacon, headers: [("Cookie", visitor.cookie!), origin], method: "POST")
            #expect(again.body.contains("already converted"))
            #expect(harness.totalConversions("headline") == 1)
            #expect(try await visitor.get("/pricing/").body == Self.page, "a converted session gets no script")

            let report = try await Self.report(harness)
            #expect(report["goals"] as? [String] == ["click a.cta"])
            let counts = try #require(report["goalScript"] as? [String: Int])
            #expect(counts == ["pages": 3, "blockedByContentSecurityPolicy": 0])
            #expect((report["warnings"] as? [String])?.isEmpty == true)
        }
    }

    @Test func aPolicyThatBlocksTheScriptLeavesThePageAsItIsAndIsReported() async throws {
        try await withProxy(await Self.harness(csp: "default-src 'self'; script-src https://cdn.example.com")) {
            harness in
            let visitor = Visitor(harness)
            #expect(try await visitor.get("/").body == Self.page)
            #expect(try await visitor.get("/pricing/").body == Self.page)
            let report = try await Self.report(harness)
            #expect(report["goalScript"] as? [String: Int] == ["pages": 0, "blockedByContentSecurityPolicy": 2])
            let warnings = try #require(report["warnings"] as? [String])
            #expect(
                warnings.contains {
                    $0.hasPrefix("goal script blocked by the site's Content-Security-Policy on 2 pages")
                })
            let dashboard = try await harness.get("/__bandits")
            #expect(dashboard.body.contains("goal script blocked by the site&#39;s Content-Security-Policy"))
        }
    }

    @Test func aPolicyWithANonceGetsTheTagWithThatNonce() async throws {
        try await withProxy(await Self.harness(csp: "script-src 'nonce-r4nd0m' 'strict-dynamic'; object-src 'none'")) {
            harness in
            let page = try await Visitor(harness).get("/")
            let tag = try #require(Self.scriptTag(in: page.body))
            #expect(tag.contains(#" nonce="r4nd0m" defer>"#))
        }
    }

    @Test(
        arguments: [
            (nil, ContentSecurityPolicy.Verdict.allowed(nonce: nil)),
            ("script-src 'self' https://cdn.example.com", .allowed(nonce: nil)),
            ("default-src 'self'", .allowed(nonce: nil)),
            ("img-src 'none'", .allowed(nonce: nil)),
            ("script-src *", .allowed(nonce: nil)),
            ("script-src https:", .allowed(nonce: nil)),
            ("script-src shop.example", .allowed(nonce: nil)),
            ("script-src https://*.example", .allowed(nonce: nil)),
            ("script-src shop.example:8080", .blocked),
            ("default-src 'none'", .blocked),
            ("default-src 'self'; script-src 'unsafe-inline'", .blocked),
            ("script-src-elem https://cdn.example.com; script-src 'self'", .blocked),
            ("script-src 'self' 'strict-dynamic'", .blocked),
            ("script-src 'self' 'nonce-abc' 'strict-dynamic'", .allowed(nonce: "abc")),
            ("script-src 'self', default-src 'none'", .blocked),
            ("script-src 'nonce-a', script-src 'nonce-b'", .blocked),
            ("script-src 'nonce-a', default-src 'self'", .allowed(nonce: "a")),
        ] as [(String?, ContentSecurityPolicy.Verdict)])
    func theGoverningDirectiveOfEveryPolicyDecides(header: String?, expected: ContentSecurityPolicy.Verdict) {
        #expect(ContentSecurityPolicy.goalScript(header: header, host: "shop.example") == expected)
    }

    @Test func aPageWithoutAHeadTagGetsTheScriptInTheHeadTheBrowserImplies() throws {
        let edits = [HTMLEdit(selector: try HTMLSelector(parsing: "head"), action: .append("<script></script>"))]
        let out = HTMLRewriter.rewrite(Array("<!doctype html><title>x</title><p>hi".utf8), edits: edits)
        #expect(String(decoding: out.output, as: UTF8.self) == "<!doctype html><title>x</title><script></script><p>hi")
        #expect(out.matchedEdits == [true])
    }
}
