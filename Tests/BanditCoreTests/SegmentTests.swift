import Foundation
import Testing

@testable import BanditCore

/// `segments`: how a view is placed, what the cookie keeps, and what the config accepts.
@Suite struct SegmentClassificationTests {
    static let iPhone =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    static let pixel =
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
    static let galaxyTab =
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    static let iPad =
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    static let macChrome =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

    @Test func devicesFromUserAgents() {
        #expect(DeviceClass(userAgent: Self.iPhone) == .mobile)
        #expect(DeviceClass(userAgent: Self.pixel) == .mobile)
        #expect(DeviceClass(userAgent: Self.galaxyTab) == .tablet, "Android without Mobile is a tablet")
        #expect(DeviceClass(userAgent: Self.iPad) == .tablet, "an iPad says Mobile too, but is a tablet")
        #expect(DeviceClass(userAgent: Self.macChrome) == .desktop)
        #expect(DeviceClass(userAgent: Self.googlebot) == .bot)
        #expect(DeviceClass(userAgent: "curl/8.5.0") == .bot)
        #expect(DeviceClass(userAgent: nil) == .bot)
        #expect(DeviceClass(userAgent: "") == .bot)
    }

    @Test func referrersFromRefererAndHost() {
        #expect(ReferrerClass(referer: nil, host: "shop.example") == .direct)
        #expect(ReferrerClass(referer: "https://www.google.co.uk/", host: "shop.example") == .search)
        #expect(ReferrerClass(referer: "https://duckduckgo.com/?q=x", host: "shop.example") == .search)
        #expect(ReferrerClass(referer: "https://m.facebook.com/story", host: "shop.example") == .social)
        #expect(ReferrerClass(referer: "https://t.co/abc", host: "shop.example") == .social)
        #expect(ReferrerClass(referer: "https://x.example.org/", host: "shop.example") == .other)
        #expect(ReferrerClass(referer: "https://shop.example/blog/", host: "shop.example:443") == .internal)
        #expect(ReferrerClass(referer: "https://news.ycombinator.com/", host: "shop.example") == .other)
        #expect(ReferrerClass(referer: "not a url", host: "shop.example") == .direct)
    }

    @Test func valuesOfEachKindOfSegment() {
        let headers = ["user-agent": Self.pixel, "referer": "https://www.bing.com/", "cf-ipcountry": " DE "]
        let values = SegmentValues.of(
            [.device, .visitor, .referrer, .query("utm_source"), .header("CF-IPCountry"), .query("missing")],
            header: { headers[$0] },
            query: { RequestFacts(uri: "/?utm_source=news%20letter", cookieHeader: nil).queryValue(named: $0) },
            isNewSession: true)
        #expect(values == ["mobile", "new", "search", "news letter", "DE", Segment.noValue])
        let long = SegmentValues.of(
            [.header("X-Long")], header: { _ in String(repeating: "é", count: 100) }, query: { _ in nil },
            isNewSession: false)
        #expect(long[0].utf8.count <= Segment.maxValueBytes && long[0].hasPrefix("éé"), "cut at a character")
    }

    @Test func theCookieKeepsTheValuesOfTheView() throws {
        let codec = SessionCodec(secret: "segment-secret-123456")
        var state = SessionState(id: "abc")
        state.set(
            .init(
                experiment: "headline", generation: 2, arm: 1, viewed: true, viewedAtMinute: 29_000_000,
                segmentValues: ["mobile", "news letter; \"x\"", "Ünïcode", Segment.noValue]))
        state.set(.init(experiment: "plain", generation: 0, arm: 0, viewed: true, segmentValues: ["desktop"]))
        let encoded = codec.encode(state)
        #expect(!encoded.contains(";") && !encoded.contains(" ") && !encoded.contains("\""), "cookie-octets only")
        let decoded = try #require(codec.decode(Substring(encoded)))
        #expect(decoded.entries == state.entries)
        #expect(codec.decode(Substring(encoded.replacingOccurrences(of: "smobile", with: "sMOBILE"))) == nil)
    }

    @Test func configAcceptsKnownSegmentsAndNamesTheBadOnes() throws {
        func load(_ segments: String) throws -> ProxyConfig {
            try ConfigLoader.parse(
                Array(
                    """
                    {"upstream": "http://127.0.0.1:8000", "session": {"secret": "0123456789abcdef"},
                     "experiments": [{"name": "headline", "source": "/", "target": "/contact/", "arms": ["a", "b"],
                                      "segments": \(segments)}]}
                    """.utf8), baseDirectory: "/tmp")
        }
        let config = try load(#"["device", "visitor", "referrer", "query:utm_source", "header:CF-IPCountry"]"#)
        #expect(
            config.experiments[0].segments == [
                .device, .visitor, .referrer, .query("utm_source"), .header("CF-IPCountry"),
            ])
        for (bad, message) in [
            (#"["browser"]"#, "experiments[0].segments[0]"), (#"["device", "device"]"#, "listed twice"),
            (#"["header:X Y"]"#, "experiments[0].segments[0]"), (#""device""#, "experiments[0].segments"),
            (
                #"["query:a","query:b","query:c","query:d","query:e","query:f","query:g","query:h","query:i"]"#,
                "at most 8"
            ),
        ] {
            #expect(throws: (any Error).self) { try load(bad) }
            do { _ = try load(bad) } catch { #expect("\(error)".contains(message), "\(bad): \(error)") }
        }
    }
}

/// Counting by segment through the engine: every view and conversion lands in exactly one
/// value of each segment, so a segment's values add up to the arm's totals.
@Suite struct SegmentCountingTests {
    static func engine(segments: [Segment], algorithm: Algorithm = .uniform) -> ExperimentEngine {
        var experiment = ExperimentConfig(
            name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"],
            algorithm: algorithm)
        experiment.segments = segments
        experiment.minViews = 0
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            session: SessionSettings(secret: "segment-secret-123456"), experiments: [experiment])
        return ExperimentEngine(config: config, secret: "segment-secret-123456")
    }

    /// One session: a view with `headers` and `uri`, then the target if it converts.
    static func session(
        _ engine: ExperimentEngine, uri: String, headers: [String: String], rng: inout SplitMix64,
        converts: (Int) -> Bool
    ) {
        let view = engine.decide(RequestFacts(uri: uri, cookieHeader: nil), using: &rng) { headers[$0] }
        engine.commit(view, status: 200)
        guard let arm = view.served.first?.reference?.arm, converts(arm),
            let cookie = view.cookie(forStatus: 200).map({ String($0.split(separator: ";")[0]) })
        else { return }
        // The device changes before the conversion: it is still credited to the view's.
        let conversion = engine.decide(RequestFacts(uri: "/contact/", cookieHeader: cookie), using: &rng) {
            $0 == "user-agent" ? "curl/8" : nil
        }
        engine.commit(conversion, status: 200)
    }

    @Test func segmentsAddUpToTheTotalsAndFindTheSegmentThatDiffers() throws {
        let engine = Self.engine(segments: [.device, .query("utm_source"), .visitor])
        let experiment = engine.experiments[0]
        var rng = SplitMix64(seed: 7)
        var chance = SplitMix64(seed: 8)
        // Bold converts far better on mobile only; 60 campaign names, more than are tracked.
        let sessions = 6_000
        for index in 0..<sessions {
            let mobile = index % 2 == 0
            let headers = [
                "user-agent": mobile ? SegmentClassificationTests.pixel : SegmentClassificationTests.macChrome
            ]
            let campaign = index % 3 == 0 ? "" : "?utm_source=campaign\(index % 60)"
            Self.session(engine, uri: "/\(campaign)", headers: headers, rng: &rng) { arm in
                let rate = mobile ? (arm == 1 ? 0.30 : 0.10) : 0.10
                return UnitInterval.open(using: &chance) < rate
            }
        }
        let totals = experiment.counts
        #expect(totals.reduce(0) { $0 + $1.views } == sessions)
        let report = SegmentReport(experiment)
        #expect(report.segments.map(\.segment) == ["device", "query:utm_source", "visitor"])
        for segment in report.segments {
            for arm in 0..<2 {
                let views = segment.values.reduce(0) { $0 + $1.arms[arm].views }
                let conversions = segment.values.reduce(0) { $0 + $1.arms[arm].conversions }
                #expect(views == totals[arm].views, "\(segment.segment): views add up")
                #expect(conversions == totals[arm].conversions, "\(segment.segment): conversions add up")
            }
        }
        let device = try #require(report.segments.first)
        #expect(Set(device.values.map(\.value)) == ["mobile", "desktop"], "credited to the view's device")
        let mobile = try #require(device.values.first { $0.value == "mobile" })
        #expect(mobile.leader == "bold" && mobile.significant, "a large effect on 3,000 sessions is found")
        let desktop = try #require(device.values.first { $0.value == "desktop" })
        #expect(!desktop.significant, "no effect on desktop")
        let campaigns = report.segments[1].values
        #expect(campaigns.count == Segment.shownValues + 1, "20 campaigns, then other")
        #expect(campaigns.last?.value == Segment.other)
        #expect(campaigns.contains { $0.value == Segment.noValue }, "sessions without the parameter")
        #expect(report.correction.comparisons == 4 + 22 + 2)
        #expect(abs(report.correction.rowSignificance - 0.05 / 28) < 1e-12)
        #expect(report.segments[2].values.map(\.value) == ["new"], "every view came with a first request")
    }

    @Test func aFreeFormSegmentTracksBoundedValues() {
        let counts = SegmentCounts(segments: [.query("utm_source")])
        for index in 0..<500 { counts.record(arm: 0, values: ["v\(index)"], views: 1) }
        let values = Set(counts.totals.keys.map(\.value))
        #expect(values.count == Segment.trackedValues + 1)
        #expect(values.contains(Segment.other))
        #expect(counts.totals.values.reduce(0) { $0 + $1.views } == 500)
    }
}

/// Identical arms, the segment report looked at after every 100 sessions: the corrected rule
/// against the same rule uncorrected (each row at the experiment's α), side by side.
@Suite struct SegmentLeaderSimulationTests {
    @Test func identicalArmsShowNoSignificantSegmentLeader() {
        var corrected = 0
        var uncorrected = 0
        let runs = 40
        for run in 0..<runs {
            let engine = SegmentCountingTests.engine(segments: [.device, .query("utm_source")])
            let experiment = engine.experiments[0]
            let naive = WinnerRule(significance: 0.05, minViews: 0)
            var rng = SplitMix64(seed: UInt64(run) * 2 + 1)
            var chance = SplitMix64(seed: UInt64(run) * 2 + 2)
            var (falseLeader, naiveFalseLeader) = (false, false)
            for index in 0..<3_000 {
                let agent = index % 3 == 0 ? SegmentClassificationTests.iPhone : SegmentClassificationTests.macChrome
                SegmentCountingTests.session(
                    engine, uri: "/?utm_source=s\(index % 4)", headers: ["user-agent": agent], rng: &rng
                ) { _ in UnitInterval.open(using: &chance) < 0.1 }
                guard index % 100 == 99 else { continue }
                let report = SegmentReport(experiment)
                let rows = report.segments.flatMap(\.values)
                if rows.contains(where: \.significant) { falseLeader = true }
                if rows.contains(where: { row in
                    naive.winner(row.arms.map { ArmCounts(views: $0.views, conversions: $0.conversions) }) != nil
                }) {
                    naiveFalseLeader = true
                }
            }
            if falseLeader { corrected += 1 }
            if naiveFalseLeader { uncorrected += 1 }
        }
        print(
            "segments A/A, \(runs) runs of 3,000 sessions, 6 rows, looked at every 100 sessions: "
                + "false significant leader in \(corrected) runs corrected, \(uncorrected) uncorrected")
        // α = 0.05 for the whole report: at most 3 standard errors above it over 60 runs.
        #expect(Double(corrected) / Double(runs) <= 0.05 + 3 * (0.05 * 0.95 / Double(runs)).squareRoot())
        #expect(uncorrected >= corrected)
    }
}
