import BanditCore
import Foundation
import Testing

/// Segments through the proxy: real visitors with real headers, the counts by segment in the
/// API and on the dashboard, adding up to the totals.
@Suite struct SegmentsEndToEndTests {
    struct Body: Decodable {
        struct Segment: Decodable {
            var segment: String
            var values: [Value]
        }
        struct Value: Decodable {
            var value: String
            var arms: [Arm]
            var leader: String?
            var significant: Bool
        }
        struct Arm: Decodable {
            var name: String
            var views: Int
            var conversions: Int
        }
        var experiment: String
        var segments: [Segment]
    }

    @Test func countsBySegmentAddUpToTheTotalsInTheAPIAndOnTheDashboard() async throws {
        try await withProxy(
            await ProxyHarness.start(configure: {
                $0.experiments[0].segments = [.device, .referrer, .query("utm_source"), .header("CF-IPCountry")]
            })
        ) { harness in
            let sessions = 60
            for index in 0..<sessions {
                let visitor = Visitor(harness)
                visitor.userAgent =
                    index % 2 == 0
                    ? "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148 Safari/604.1"
                    : "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36"
                var headers = [("CF-IPCountry", index % 3 == 0 ? "DE" : "FR")]
                if index % 4 == 0 { headers.append(("Referer", "https://www.google.com/")) }
                let page = try await visitor.get("/?utm_source=\(index % 5 == 0 ? "mail" : "ads")", headers: headers)
                #expect(page.status == 200)
                // The site never sees the parameter-less view differently; conversions move device.
                if index % 3 == 0 {
                    visitor.userAgent = "curl/8.5.0"
                    try await visitor.get("/contact/")
                }
            }
            #expect(harness.totalViews("headline") == sessions)
            #expect(harness.totalConversions("headline") == sessions / 3)

            let api = try await harness.get("/__bandits/api/experiments/headline/segments")
            #expect(api.status == 200)
            let body = try JSONDecoder().decode(Body.self, from: Data(api.body.utf8))
            #expect(body.experiment == "headline")
            #expect(body.segments.map(\.segment) == ["device", "referrer", "query:utm_source", "header:CF-IPCountry"])
            let totals = harness.counts("headline")
            for segment in body.segments {
                for (arm, counts) in totals.enumerated() {
                    #expect(segment.values.reduce(0) { $0 + $1.arms[arm].views } == counts.views, "\(segment.segment)")
                    #expect(
                        segment.values.reduce(0) { $0 + $1.arms[arm].conversions } == counts.conversions,
                        "\(segment.segment)")
                }
            }
            func views(_ segment: Int, _ value: String) -> Int? {
                body.segments[segment].values.first { $0.value == value }.map { $0.arms.reduce(0) { $0 + $1.views } }
            }
            #expect(views(0, "mobile") == 30 && views(0, "desktop") == 30)
            #expect(views(0, "bot") == nil, "conversions are credited to the device of the view")
            #expect(views(1, "search") == 15 && views(1, "direct") == 45)
            #expect(views(2, "mail") == 12 && views(2, "ads") == 48)
            #expect(views(3, "DE") == 20 && views(3, "FR") == 40)

            let page = try await harness.get("/__bandits/experiments/headline")
            #expect(page.status == 200)
            #expect(page.body.contains("Results by segment"))
            #expect(page.body.contains("CF-IPCountry") && page.body.contains(">mobile<"))
            let missing = try await harness.get("/__bandits/api/experiments/nope/segments")
            #expect(missing.status == 404)
            let post = try await harness.get("/__bandits/api/experiments/headline/segments", method: "POST")
            #expect(post.status == 405)
        }
    }
}
