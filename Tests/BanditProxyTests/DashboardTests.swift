import BanditCore
import BanditStore
import Foundation
import Testing

@testable import BanditProxy

/// The dashboard, detail page and CSV export: rendered from fixtures for structure, and
/// fetched through a live proxy for routing and auth.
@Suite struct DashboardTests {
    // MARK: fixtures

    /// A report built the way the API builds one: from a runtime with the given counts and state.
    static func report(
        _ name: String, arms: [String], counts: [ArmCounts] = [], state: ExperimentRuntime.State = .init(),
        warnings: [String] = []
    ) -> ExperimentReport {
        let runtime = ExperimentRuntime(
            config: ExperimentConfig(
                name: name, source: PathPattern("/"), target: PathPattern("/thanks/"), arms: arms,
                algorithm: .topTwoThompson(beta: 0.5), minViews: 200),
            index: 0)
        for (arm, count) in counts.enumerated() { runtime.setCounts(arm: arm, count) }
        runtime.setState(state)
        var report = ExperimentReport(runtime)
        report.warnings = warnings
        return report
    }

    /// Hourly points for every arm over `hours` hours, with a gap of silent hours in the middle.
    static func series(arms: [String], hours: Int, startingAt start: Int = 480_000, viewsPerHour: Int = 40)
        -> [SeriesPoint]
    {
        var points: [SeriesPoint] = []
        for hour in 0..<hours where !(hours > 6 && (hours / 2..<hours / 2 + 3).contains(hour)) {
            for (index, arm) in arms.enumerated() {
                let views = max(1, viewsPerHour * (index + 1 + hour % 3) / 3)
                points.append(
                    SeriesPoint(
                        hour: start + hour, arm: arm,
                        counts: ArmCounts(assignments: views + 1, views: views, conversions: views / (8 + index))))
            }
        }
        return points
    }

    static let decided = report(
        "headline", arms: ["control", "bold"],
        counts: [
            ArmCounts(assignments: 420, views: 400, conversions: 16),
            ArmCounts(assignments: 1210, views: 1200, conversions: 98),
        ],
        state: .init(status: .decided, winner: 1))

    static let fiveArms = report(
        "cta", arms: ["plain", "green", "red", "blue-ish", "very.long_arm-name.with-many.parts"],
        counts: (0..<5).map { ArmCounts(assignments: 300 + $0, views: 300, conversions: 10 + 6 * $0) },
        warnings: ["Sample-ratio mismatch: views split 40/60 where 50/50 was expected."])

    static let zeroTraffic = report("checkout", arms: ["old", "new"])

    @Test func theArmTableShowsTheCorrectedRateAndTheAllocationNow() {
        var report = Self.decided
        report.arms[0].correctedRate = 0.0345
        report.arms[0].allocation = 0.125
        let html = Dashboard.render([Dashboard.Entry(report: report)])
        #expect(html.contains("corrected 3.5%") || html.contains("corrected 3.45%"), "\(html)")
        #expect(html.contains("now 12.5%") || html.contains("now 13%"))
        #expect(!Dashboard.render([Dashboard.Entry(report: Self.decided)]).contains("corrected"))
    }

    // MARK: checks every page must pass

    /// No non-finite number anywhere: not in coordinates, not in text.
    static func expectFinite(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!html.contains("NaN"), sourceLocation: sourceLocation)
        #expect(html.firstMatch(of: /(?i)\b(nan|[+-]?inf(inity)?)\b/) == nil, sourceLocation: sourceLocation)
    }

    /// Every opened element we render in pairs is closed, and nothing is loaded from elsewhere.
    static func expectWellFormed(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for tag in ["svg", "section", "table", "figure", "script", "style", "main"] {
            #expect(
                html.occurrences(of: "<\(tag)") == html.occurrences(of: "</\(tag)>"), "<\(tag)> balanced",
                sourceLocation: sourceLocation)
        }
        #expect(html.hasPrefix("<!doctype html>"), sourceLocation: sourceLocation)
        #expect(!html.contains("src=\""), "no external scripts or images", sourceLocation: sourceLocation)
        #expect(!html.contains("<link"), "no external stylesheets", sourceLocation: sourceLocation)
        #expect(!html.contains("href=\"http"), "no links elsewhere", sourceLocation: sourceLocation)
    }

    // MARK: fixtures rendered

    @Test func noExperimentsSaysHowToAddOne() {
        let html = Dashboard.render([])
        Self.expectWellFormed(html)
        Self.expectFinite(html)
        #expect(html.contains("No experiments yet"))
        #expect(html.contains("proxy.json"))
        #expect(html.occurrences(of: "<svg") == 0)
    }

    @Test func decidedExperimentShowsBadgesTableChartsAndActions() {
        let points = Self.series(arms: ["control", "bold"], hours: 30)
        let html = Dashboard.render([Dashboard.Entry(report: Self.decided, points: points)])
        Self.expectWellFormed(html)
        Self.expectFinite(html)
        #expect(html.contains("<span class=\"badge status decided\">decided</span>"))
        #expect(html.contains("<span class=\"badge winner\">winner: bold</span>"))
        #expect(html.occurrences(of: "<svg") == 4, "rates, posteriors, traffic share, cumulative")
        for caption in ["Conversion rate", "Posterior of each rate", "Traffic share over time", "Cumulative views"] {
            #expect(html.contains(caption))
        }
        for arm in ["control", "bold"] { #expect(html.contains("data-arm=\"\(arm)\"")) }
        #expect(html.contains("<tr class=\"win\" data-arm=\"bold\">"))
        // Actions: pause and reset for the experiment, "declare winner" for every arm but the winner.
        #expect(html.contains("data-action=\"pause\" data-url=\"/__bandits/api/experiments/headline/pause\""))
        #expect(!html.contains("data-action=\"resume\""))
        #expect(html.contains("data-action=\"reset\" data-url=\"/__bandits/api/experiments/headline/reset\""))
        #expect(html.contains("data-confirm=\"Reset headline?"))
        #expect(html.occurrences(of: "data-action=\"winner\"") == 1)
        #expect(html.contains("data-arm=\"control\" data-confirm=\"Declare control the winner of headline?"))
        // The numbers of the table: 98 of 1200 is 8.2%.
        #expect(html.contains("<td class=\"opt\">1,210</td><td>1,200</td><td>98</td><td>8.2%"))
        // The time charts drew something: stacked shares and cumulative lines.
        #expect(html.occurrences(of: "<polyline") == 4, "views and conversions, per arm")
        #expect(!html.contains(Charts.emptySeriesMessage))
        // Auto-refresh and actions are wired, same-origin only.
        #expect(html.contains("setInterval(refresh,15000)"))
        #expect(html.contains("document.hidden"))
        #expect(html.contains("credentials:'same-origin'"))
    }

    @Test func fiveArmsAreAllNamedAndCharted() {
        let arms = Self.fiveArms.arms.map(\.name)
        let points = Self.series(arms: arms, hours: 24 * 9)  // long enough to be bucketed
        let html = Dashboard.render([Dashboard.Entry(report: Self.fiveArms, points: points)])
        Self.expectWellFormed(html)
        Self.expectFinite(html)
        for arm in arms {
            #expect(html.contains("data-arm=\"\(arm)\""), "\(arm) in the table")
            #expect(html.contains("<title>\(arm)"), "\(arm) in a chart")
        }
        #expect(html.occurrences(of: "<svg") == 4)
        #expect(html.occurrences(of: "data-action=\"winner\"") == 5, "no winner yet: every arm can be declared")
        #expect(html.contains("<span class=\"badge status running\">running</span>"))
        #expect(!html.contains("badge winner"))
        #expect(html.contains("1 warning"))
        #expect(html.contains("Sample-ratio mismatch"))
        #expect(html.contains("per 2 hours"), "216 hours are merged into buckets")
        #expect(html.occurrences(of: "<polyline") == 10)
        #expect(html.occurrences(of: "fill-opacity=\"0.18\"") == 5, "a posterior curve per arm")
    }

    @Test func zeroTrafficShowsEmptyStatesNotBrokenCharts() {
        let html = Dashboard.render([Dashboard.Entry(report: Self.zeroTraffic)])
        Self.expectWellFormed(html)
        Self.expectFinite(html)
        #expect(html.occurrences(of: "<svg") == 4)
        #expect(html.occurrences(of: "class=\"empty-text\"") == 4)
        #expect(html.contains("No views yet"))
        #expect(html.contains(Charts.emptySeriesMessage))
        #expect(html.contains("data-arm=\"old\"") && html.contains("data-arm=\"new\""))
        #expect(!html.contains("<circle"), "no dots without views")
    }

    @Test func oneArmFarAheadAndOneWithoutViewsStayFinite() {
        let report = Self.report(
            "lopsided", arms: ["leader", "laggard", "unseen"],
            counts: [
                ArmCounts(assignments: 1_000_000, views: 1_000_000, conversions: 500_000),
                ArmCounts(assignments: 40, views: 40, conversions: 0), ArmCounts(),
            ])
        let points = [
            SeriesPoint(hour: 490_000, arm: "leader", counts: ArmCounts(views: 1_000_000, conversions: 500_000)),
            SeriesPoint(hour: 490_000, arm: "laggard", counts: ArmCounts(views: 40)),
        ]
        for wide in [false, true] {
            let entry = Dashboard.Entry(report: report, points: points)
            let html = wide ? DetailPage.render(entry) : Dashboard.render([entry])
            Self.expectWellFormed(html)
            Self.expectFinite(html)
            #expect(html.occurrences(of: "<svg") == 4)
            #expect(html.occurrences(of: "fill-opacity=\"0.18\"") == 2, "posteriors of the arms with views")
            #expect(html.contains("no views"))
        }
        // The posterior axis spans both peaks: the laggard near 0% and the leader at 50% (ticks every 20%).
        let svg = Charts.posteriors(report, size: .card)
        #expect(svg.contains(">0%<") && svg.contains(">40%<"))
    }

    @Test func posteriorAxisZoomsToWhereTheMassIs() {
        let report = Self.report(
            "narrow", arms: ["a", "b"],
            counts: [ArmCounts(views: 100_000, conversions: 4000), ArmCounts(views: 100_000, conversions: 4300)])
        let svg = Charts.posteriors(report, size: .card)
        #expect(svg.contains(">4.0%<") || svg.contains(">3.9%<"))
        #expect(!svg.contains(">0%<") && !svg.contains(">10%<"), "not the whole 0–100% range")
    }

    @Test func pausedExperimentOffersResume() {
        let paused = Self.report(
            "paused-one", arms: ["a", "b"], counts: [ArmCounts(views: 3), ArmCounts(views: 2, conversions: 1)],
            state: .init(status: .paused))
        let html = Dashboard.render([Dashboard.Entry(report: paused)])
        #expect(html.contains("data-action=\"resume\""))
        #expect(!html.contains("data-action=\"pause\""))
        #expect(html.contains("badge status paused"))
    }

    @Test func userControlledStringsAreEscaped() {
        let hostile = Self.report(
            "x\"><script>alert(1)</script>", arms: ["<b>bold</b>", "a&b'"],
            counts: [ArmCounts(views: 10, conversions: 1), ArmCounts(views: 10, conversions: 2)],
            warnings: ["<img src=x onerror=alert(2)>"])
        let points = [SeriesPoint(hour: 480_000, arm: "<b>bold</b>", counts: ArmCounts(views: 10, conversions: 1))]
        for html in [
            Dashboard.render([Dashboard.Entry(report: hostile, points: points, seriesProblem: "<i>disk</i>")]),
            DetailPage.render(Dashboard.Entry(report: hostile, points: points)),
        ] {
            #expect(!html.contains("<script>alert"))
            #expect(!html.contains("<b>bold</b>"))
            #expect(!html.contains("<img src=x"))
            #expect(!html.contains("<i>disk</i>"))
            #expect(html.contains("&lt;b&gt;bold&lt;/b&gt;"))
            #expect(html.contains("a&amp;b&#39;"))
            #expect(html.contains("%22%3E%3Cscript%3E"), "names in URLs are percent-encoded")
        }
    }

    // MARK: pieces

    @Test func hourlySeriesFillsGapsAndMergesLongSpans() {
        let points = [
            SeriesPoint(hour: 100, arm: "a", counts: ArmCounts(views: 2, conversions: 1)),
            SeriesPoint(hour: 103, arm: "b", counts: ArmCounts(views: 5)),
            SeriesPoint(hour: 103, arm: "gone", counts: ArmCounts(views: 50)),
        ]
        let series = HourlySeries(points: points, arms: ["a", "b"])
        #expect(series.firstHour == 100 && series.bucketHours == 1 && series.buckets.count == 4)
        #expect(series.buckets[1] == [ArmCounts(), ArmCounts()])
        #expect(series.totalViews == 7, "arms no longer configured stay out of the charts")
        #expect(series.cumulative(\.views).last == [2, 5])
        let long = HourlySeries(
            points: (0..<1000).map { SeriesPoint(hour: 5000 + $0, arm: "a", counts: ArmCounts(views: 1)) },
            arms: ["a"], maxBuckets: 100)
        #expect(long.buckets.count <= 101 && long.bucketHours == 10)
        #expect(long.totalViews == 1000)
        #expect(HourlySeries(points: [], arms: ["a"]).isEmpty)
    }

    @Test func csvHasAHeaderAndOneLinePerHourAndArm() {
        let points = [
            SeriesPoint(hour: 480_001, arm: "bold", counts: ArmCounts(assignments: 3, views: 2, conversions: 1)),
            SeriesPoint(hour: 480_000, arm: "control", counts: ArmCounts(assignments: 5, views: 4, conversions: 0)),
            SeriesPoint(hour: 480_001, arm: "control", counts: ArmCounts(assignments: 1, views: 1, conversions: 1)),
        ]
        let csv = SeriesRows.csv(points, arms: ["control", "bold"])
        #expect(
            csv == """
                hour_utc,arm,assignments,views,conversions
                2024-10-04T00:00:00Z,control,5,4,0
                2024-10-04T01:00:00Z,control,1,1,1
                2024-10-04T01:00:00Z,bold,3,2,1

                """)
    }

    @Test func betaDensityMatchesKnownValues() {
        // Beta(1, 1) is uniform; Beta(2, 2) peaks at 1.5 in the middle; Beta(1, 3) is 3(1 − x)².
        #expect(abs(BetaDensity(successes: 0, trials: 0).density(0.3) - 1) < 1e-9)
        #expect(abs(BetaDensity(successes: 1, trials: 2).density(0.5) - 1.5) < 1e-9)
        #expect(abs(BetaDensity(successes: 0, trials: 2).density(0.2) - 3 * 0.64) < 1e-9)
        #expect(abs(BetaDensity.logGamma(10) - log(362_880)) < 1e-9)
        let huge = BetaDensity(successes: 500_000, trials: 1_000_000)
        #expect(huge.density(0.5).isFinite && huge.density(0.5) > 100)
        #expect(huge.density(0) == 0 && huge.density(1) == 0)
    }

    @Test func svgNumbersAreAlwaysFinite() {
        #expect(SVG.n(.nan) == "0" && SVG.n(.infinity) == "0" && SVG.n(12.34) == "12.3" && SVG.n(7) == "7")
        let ticks = SVG.ticks(0, 0.2, count: 4)
        #expect(ticks.count == 5 && zip(ticks, [0, 0.05, 0.1, 0.15, 0.2]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(SVG.ticks(.nan, 1) == [0])
        #expect(SVG.niceCeiling(0) == 1 && abs(SVG.niceCeiling(0.083) - 0.1) < 1e-12)
        let scale = LinearScale(domain: (3, 3), range: (0, 100))
        #expect(scale(3).isFinite)
    }

    @Test func crossSiteActionsAreRefused() {
        func request(_ headers: [(String, String)], method: String = "POST") -> AdminRequest {
            AdminRequest(
                method: method, uri: "/__bandits/api/experiments/headline/reset",
                headers: [("Host", "shop.example:8080")] + headers.map { (name: $0.0, value: $0.1) }, body: [],
                clientIsLoopback: true)
        }
        #expect(AdminRouter.refuseCrossSite(request([])) == nil, "curl sends no Origin")
        #expect(AdminRouter.refuseCrossSite(request([("Origin", "http://shop.example:8080")])) == nil)
        #expect(AdminRouter.refuseCrossSite(request([("Origin", "http://evil.example")]))?.status == 403)
        #expect(AdminRouter.refuseCrossSite(request([("Origin", "null")]))?.status == 403)
        #expect(AdminRouter.refuseCrossSite(request([("Sec-Fetch-Site", "cross-site")]))?.status == 403)
        #expect(AdminRouter.refuseCrossSite(request([("Origin", "http://evil.example")], method: "GET")) == nil)
        let behindTLS = AdminRequest(
            method: "POST", uri: "/__bandits/api/experiments/headline/pause",
            headers: [("Host", "shop.example"), ("Origin", "https://shop.example")], body: [], clientIsLoopback: true)
        #expect(AdminRouter.refuseCrossSite(behindTLS) == nil)
    }

    // MARK: through the proxy

    static let token = "dash-token"
    static let bearer = ("Authorization", "Bearer \(token)")

    @Test func pagesAndCSVNeedTheTokenAndUnknownExperimentsAre404() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.adminToken = DashboardTests.token })) { harness in
            for path in [
                "/__bandits/experiments/headline", "/__bandits/api/experiments/headline/series.csv",
                "/__bandits/metrics",
            ] {
                #expect(try await harness.get(path).status == 401, "\(path)")
                #expect(try await harness.get(path, headers: [Self.bearer]).status == 200, "\(path)")
            }
            #expect(try await harness.get("/__bandits/experiments/nope", headers: [Self.bearer]).status == 404)
            let csv404 = try await harness.get("/__bandits/api/experiments/nope/series.csv", headers: [Self.bearer])
            #expect(csv404.status == 404)
            #expect(csv404.body.contains("nope"))
            let post = try await harness.get(
                "/__bandits/api/experiments/headline/series.csv", headers: [Self.bearer], method: "POST")
            #expect(post.status == 405)
            let crossSite = try await harness.get(
                "/__bandits/api/experiments/headline/pause", headers: [Self.bearer, ("Origin", "http://evil.example")],
                method: "POST")
            #expect(crossSite.status == 403)
            #expect(harness.runtime.engine.experiment(named: "headline")?.state.status == .running)
            let sameOrigin = try await harness.get(
                "/__bandits/api/experiments/headline/pause",
                headers: [Self.bearer, ("Origin", "http://127.0.0.1:\(harness.port)")], method: "POST")
            #expect(sameOrigin.status == 200)
        }
    }

    @Test func detailPageAndCSVShowWhatVisitorsDid() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            for index in 0..<12 {
                let visitor = Visitor(harness)
                try await visitor.get("/")
                if index % 3 == 0 { try await visitor.get("/contact/") }
            }
            await harness.runtime.keeper.flush()
            let counts = harness.counts("headline")

            let page = try await harness.get("/__bandits/experiments/headline")
            #expect(page.status == 200)
            #expect(page.header("content-type")?.hasPrefix("text/html") == true)
            Self.expectWellFormed(page.body)
            Self.expectFinite(page.body)
            #expect(page.body.contains("<h2><a href=\"/__bandits/experiments/headline\">headline</a></h2>"))
            #expect(page.body.contains("Hourly series"))
            #expect(page.body.occurrences(of: "<svg") == 4)
            #expect(!page.body.contains(Charts.emptySeriesMessage), "the flushed hour is charted")
            for arm in ["control", "bold"] where counts[arm == "control" ? 0 : 1].views > 0 {
                #expect(page.body.contains("<td>\(arm)</td>"), "\(arm) in the series table")
            }

            let csv = try await harness.get("/__bandits/api/experiments/headline/series.csv")
            #expect(csv.status == 200)
            #expect(csv.header("content-type")?.hasPrefix("text/csv") == true)
            #expect(csv.header("content-disposition")?.contains("headline-series.csv") == true)
            let lines = csv.body.split(separator: "\n").map(String.init)
            #expect(lines.first == "hour_utc,arm,assignments,views,conversions")
            var views = 0
            var conversions = 0
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                #expect(fields.count == 5)
                #expect(fields[0].wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:00:00Z/) != nil)
                views += Int(fields[3]) ?? -1
                conversions += Int(fields[4]) ?? -1
            }
            #expect(views == 12)
            #expect(conversions == counts.reduce(0) { $0 + $1.conversions })

            let dashboard = try await harness.get("/__bandits")
            Self.expectWellFormed(dashboard.body)
            Self.expectFinite(dashboard.body)
            #expect(dashboard.body.occurrences(of: "<svg") == 8, "four charts for each of the two experiments")
            for name in ["headline", "control", "bold", "cta", "plain", "green", "red"] {
                #expect(dashboard.body.contains(name))
            }
        }
    }
}

extension String {
    /// How many times `needle` occurs, not overlapping.
    func occurrences(of needle: String) -> Int { ranges(of: needle).count }
}
