import BanditCore
import BanditHTML
import BanditProxy
import Foundation
import Synchronization
import Testing

/// Arms whose `html` edits change the source page as it streams through the proxy, with no
/// code in the site.
@Suite struct PageEditingTests {
    static let page = """
        <!doctype html><html><head><title>Shop</title></head><body>
        <div id="banner">Sale!</div><h1 id="headline">Welcome</h1>
        <p class="lead">Try it</p><a class="cta" href="/signup/">Sign up</a>
        <script>if (a < b && "<h1>" ) {}</script>
        \(String(repeating: "<p>filler text for a page of a realistic size</p>\n", count: 4000))
        </body></html>
        """

    static func edits() throws -> [HTMLEdit] {
        [
            HTMLEdit(selector: try HTMLSelector(parsing: "h1#headline"), action: .text("Ship faster. Today.")),
            HTMLEdit(
                selector: try HTMLSelector(parsing: "a.cta"),
                action: .setAttribute(name: "href", value: "/signup/?plan=pro")),
            HTMLEdit(selector: try HTMLSelector(parsing: "#banner"), action: .remove),
            HTMLEdit(selector: try HTMLSelector(parsing: "head"), action: .append("<style>.cta{color:green}</style>")),
            HTMLEdit(selector: try HTMLSelector(parsing: ".lead"), action: .html("<strong>Free</strong> for 30 days")),
            HTMLEdit(selector: try HTMLSelector(parsing: "nav.gone"), action: .remove),
        ]
    }

    static func harness(chunked: Bool) async throws -> ProxyHarness {
        let edits = try edits()
        return try await ProxyHarness.start(
            responder: { request in
                request.path == "/"
                    ? .init(
                        headers: [("Content-Type", "text/html; charset=utf-8"), ("ETag", "\"v1\"")], body: page,
                        chunkSize: chunked ? 1000 : nil)
                    : .init()
            },
            configure: { config in
                config.experiments[0].algorithm = .uniform
                config.experiments[0].armVariants[1] = ArmVariant(html: edits)
            })
    }

    @Test(arguments: [false, true])
    func theEditedArmGetsTheEditedPageAndTheOtherThePageAsItIs(chunked: Bool) async throws {
        try await withProxy(await Self.harness(chunked: chunked)) { harness in
            var seen: Set<String> = []
            while seen.count < 2 {
                let visitor = Visitor(harness)
                let response = try await visitor.get("/", headers: [("Accept-Encoding", "gzip, br")])
                let arm = try #require(visitor.lastArm())
                seen.insert(arm)
                let asked = harness.upstream.requests.last?.header("Accept-Encoding")
                if arm == "control" {
                    #expect(response.body == Self.page, "byte for byte")
                    #expect(response.header("etag") == "\"v1\"")
                    #expect(asked == "gzip, br")
                } else {
                    #expect(asked == "gzip", "an edited page is asked for in codings the proxy decodes")
                    #expect(response.body.contains(#"<h1 id="headline">Ship faster. Today.</h1>"#))
                    #expect(response.body.contains(#"<a class="cta" href="/signup/?plan=pro">"#))
                    #expect(!response.body.contains("Sale!"))
                    #expect(response.body.contains("<style>.cta{color:green}</style></head>"))
                    #expect(response.body.contains(#"<p class="lead"><strong>Free</strong> for 30 days</p>"#))
                    #expect(
                        response.body.contains(#"<script>if (a < b && "<h1>" ) {}</script>"#), "script left as it is")
                    #expect(response.body.hasSuffix("</body></html>"))
                    #expect(
                        response.header("content-length") == nil
                            || Int(response.header("content-length")!) == response.body.utf8.count)
                    #expect(response.header("etag") == "W/\"v1\"", "a strong validator no longer holds")
                }
            }
            let api = try await harness.get("/__bandits/api/experiments/headline")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
            let arms = try #require(report["arms"] as? [[String: Any]])
            #expect(arms[0]["html"] == nil)
            let html = try #require(arms[1]["html"] as? [String: Any])
            let edited = try #require(html["editedResponses"] as? Int)
            #expect(edited >= 1)
            let matches = try #require(html["edits"] as? [[String: Any]]).map { $0["matchedResponses"] as? Int }
            #expect(
                matches == [edited, edited, edited, edited, edited, 0], "the selector that matches nothing shows 0")
            let dashboard = try await harness.get("/__bandits")
            #expect(dashboard.body.contains("\(edited) pages edited: h1#headline \(edited)"), "shown on the dashboard")
            #expect(dashboard.body.contains("⚠ nav.gone 0"), "a selector that matched nothing is flagged")
        }
    }

    @Test func otherPagesOfTheSessionAreNotEdited() async throws {
        try await withProxy(await Self.harness(chunked: false)) { harness in
            let visitor = Visitor(harness)
            while true {
                let response = try await visitor.get("/")
                if visitor.lastArm() == "bold" { break }
                visitor.cookie = nil
                _ = response
            }
            let other = try await visitor.get("/about/", headers: [("Accept-Encoding", "gzip")])
            #expect(other.body == "ok")
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == "gzip")
        }
    }

    /// The proxy remembers edited pages to copy them when they come again unchanged; a page
    /// that changed since (here a visit counter deep in the page, or a page cut short) must
    /// still be edited as it now is, and counted as such, never served as it was.
    @Test func aPageThatChangesBetweenVisitsIsEditedAsItIsNow() async throws {
        let visits = Mutex(0)
        let edits = try Self.edits()
        try await withProxy(
            await ProxyHarness.start(
                responder: { request in
                    guard request.path == "/" else { return .init() }
                    let visit = visits.withLock { count in
                        count += 1
                        return count
                    }
                    // Every third visit the same page as the one before; the fourth is cut short.
                    let shown = visit % 3 == 0 ? visit - 1 : visit
                    let body =
                        visit == 4
                        ? String(Self.page.prefix(Self.page.utf8.count / 2))
                        : Self.page.replacingOccurrences(
                            of: "</body>", with: "<p id=\"visit\">visit \(shown)</p></body>")
                    return .init(headers: [("Content-Type", "text/html")], body: body, chunkSize: 1000)
                },
                configure: { config in
                    config.experiments[0].algorithm = .uniform
                    config.experiments[0].armVariants[1] = ArmVariant(html: edits)
                })
        ) { harness in
            for visit in 1...6 {
                let response = try await harness.get("/?bandit_force_headline=bold")
                #expect(response.body.contains(#"<h1 id="headline">Ship faster. Today.</h1>"#), "visit \(visit)")
                if visit == 4 {
                    #expect(!response.body.contains("visit "), "the page cut short, as it came")
                    #expect(!response.body.contains("</body>"))
                } else {
                    let shown = visit % 3 == 0 ? visit - 1 : visit
                    #expect(
                        response.body.contains(#"<p id="visit">visit \#(shown)</p></body>"#), "visit \(visit)")
                }
            }
            let api = try await harness.get("/__bandits/api/experiments/headline")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
            let html = try #require((report["arms"] as? [[String: Any]])?[1]["html"] as? [String: Any])
            #expect(html["editedResponses"] as? Int == 6)
            let matches = try #require(html["edits"] as? [[String: Any]]).map { $0["matchedResponses"] as? Int }
            #expect(matches == [6, 6, 6, 6, 6, 0], "counted for remembered pages too")
        }
    }
}
