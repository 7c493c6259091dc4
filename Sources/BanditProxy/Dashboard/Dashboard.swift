import BanditCore
import BanditStore
import Foundation

/// The `/__bandits` page: every experiment at a glance, with its arms, charts and actions.
/// Server-rendered with inline SVG and inline style and script: no external assets, so it
/// works offline and behind any firewall. Every user-controlled string goes through `HTML.escape`.
enum Dashboard {
    /// One experiment as the dashboard shows it: the report, plus its hourly series.
    struct Entry {
        var report: ExperimentReport
        /// Hourly counts as stored, oldest first.
        var points: [SeriesPoint]
        /// Why the series could not be read, if it could not.
        var seriesProblem: String?
        /// Results by segment, for the detail page of an experiment with `segments`.
        var segments: SegmentReport?

        init(report: ExperimentReport, points: [SeriesPoint] = [], seriesProblem: String? = nil) {
            self.report = report
            self.points = points
            self.seriesProblem = seriesProblem
        }

        var series: HourlySeries { HourlySeries(points: points, arms: report.arms.map(\.name)) }
    }

    static let base = AdminRouter.prefix

    static func render(_ experiments: [Entry], now: Date = Date()) -> String {
        var body = ""
        if experiments.isEmpty {
            body += "<section class=\"card empty-page\"><h2>No experiments yet</h2>"
            body +=
                "<p>Add one to <code>experiments</code> in <code>proxy.json</code> and restart the proxy.</p></section>"
        }
        for experiment in experiments { body += card(experiment, wide: false) }
        return page(title: "bandit-proxy", main: body, now: now)
    }

    // MARK: page frame

    static func page(title: String, main: String, now: Date) -> String {
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>\(HTML.escape(title))</title>
            <style>\(PageAssets.style)</style></head><body>
            <header class="top"><h1><a href="\(base)">bandit-proxy</a></h1>
            <nav><a href="\(base)">experiments</a><a href="\(base)/api/experiments">JSON</a>\
            <a href="\(base)/metrics">metrics</a></nav>
            <div class="status"><span id="updated">updated \(clock(now)) UTC</span>
            <label><input type="checkbox" id="autorefresh" checked> auto-refresh</label></div></header>
            <main>
            """
        html += main
        html += "</main><footer>Rates with Wilson intervals; P(best) and densities under Beta(1 + conversions, "
        html += "1 + failures) posteriors; charts over time from the stored hourly series.</footer>"
        html += "<script>\(PageAssets.script)</script></body></html>\n"
        return html
    }

    private static func clock(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let day = ((seconds % 86_400) + 86_400) % 86_400
        return String(format: "%02d:%02d:%02d", day / 3600, day / 60 % 60, day % 60)
    }

    // MARK: one experiment

    /// An experiment's card: head with badges and actions, the arm table, the charts.
    /// `wide` (the detail page) stacks larger charts in one column.
    static func card(_ experiment: Entry, wide: Bool) -> String {
        let report = experiment.report
        let name = HTML.escape(report.name)
        let link = "\(base)/experiments/\(HTML.escape(pathComponent(report.name)))"
        var html = "<section class=\"card experiment\" id=\"exp-\(name)\" data-experiment=\"\(name)\">"
        html += "<div class=\"card-head\"><h2><a href=\"\(link)\">\(name)</a></h2>"
        html += "<span class=\"badge status \(report.status.rawValue)\">\(report.status.rawValue)</span>"
        if let winner = report.winner {
            html += "<span class=\"badge winner\">winner: \(HTML.escape(winner))</span>"
        } else if report.status == .decided {
            html += "<span class=\"badge winner\">no meaningful difference</span>"
        }
        html += servesControlOnlyBadge(report)
        if !report.warnings.isEmpty {
            let count = report.warnings.count
            html += "<span class=\"badge warn\">\(count) warning\(count == 1 ? "" : "s")</span>"
        }
        html += actions(report) + "</div>"
        html += meta(report, link: link, wide: wide)
        html += decision(report.decision)
        if !report.warnings.isEmpty {
            html += "<div class=\"warnings\" role=\"note\">"
            for warning in report.warnings { html += "<p>⚠ \(HTML.escape(warning))</p>" }
            html += "</div>"
        }
        html += armTable(report)
        html += charts(experiment, wide: wide)
        return html + "</section>\n"
    }

    private static func meta(_ report: ExperimentReport, link: String, wide: Bool) -> String {
        let totalViews = report.arms.reduce(0) { $0 + $1.views }
        var html = "<p class=\"meta\">\(HTML.escape(report.algorithm)) · source <code>\(HTML.escape(report.source))"
        html += "</code> → target <code>\(HTML.escape(report.target))</code> · "
        html += "\(Int(((1 - report.significance) * 100).rounded()))% intervals · "
        let (views, minViews) = (Format.count(totalViews), Format.count(report.minViews))
        html +=
            totalViews < report.minViews
            ? "\(views) of \(minViews) views before a winner may be declared"
            : "\(views) views (a winner may be declared from \(minViews))"
        let overBudget = report.uncountedSessions[ExperimentRuntime.UncountedReason.overBudget.rawValue] ?? 0
        if overBudget > 0 {
            html += " · <span class=\"uncounted\" title=\"limits.newSessionsPerMinute, since this instance started\">"
            html += "\(Format.count(overBudget)) sessions left uncounted (address over its new-sessions budget)</span>"
        }
        if !wide { html += " · <a href=\"\(link)\">details</a>" }
        html += " · <a href=\"\(base)/api/experiments/\(HTML.escape(pathComponent(report.name)))/series.csv\">CSV</a>"
        return html + "</p>"
    }

    /// Where the winner rule stands: the evidence as a share of what a decision needs, and
    /// the sessions still needed (or why none is expected).
    private static func decision(_ decision: ExperimentReport.DecisionReport) -> String {
        var html = "<p class=\"meta decision\">"
        if let reason = decision.reason {
            html += "Decided: \(HTML.escape(reason))."
        } else {
            let percent = Int((min(1, decision.evidence) * 100).rounded(.down))
            html += "Evidence \(percent)% of what a decision needs · \(HTML.escape(decision.outlook))"
        }
        html += " · smallest difference sought \(HTML.escape(Format.percent(decision.effect))) (absolute)"
        return html + "</p>"
    }

    /// Pause or resume and reset for the experiment; "declare winner" sits in each arm's row.
    private static func actions(_ report: ExperimentReport) -> String {
        let name = HTML.escape(report.name)
        func url(_ action: String) -> String {
            HTML.escape("\(base)/api/experiments/\(pathComponent(report.name))/\(action)")
        }
        var html = "<div class=\"actions\">"
        if report.status == .paused {
            html += "<button type=\"button\" data-action=\"resume\" data-url=\"\(url("resume"))\">Resume</button>"
        } else {
            html += "<button type=\"button\" data-action=\"pause\" data-url=\"\(url("pause"))\">Pause</button>"
        }
        let question =
            "Reset \(report.name)? Every count is zeroed, the winner cleared and every visitor re-randomised."
        html += "<button type=\"button\" class=\"danger\" data-action=\"reset\" data-url=\"\(url("reset"))\""
        html += " data-confirm=\"\(HTML.escape(question))\" aria-label=\"Reset \(name)\">Reset</button>"
        return html + "</div>"
    }

    /// Under an arm that edits the page: how many pages were edited, and per edit in how many
    /// its selector matched; a selector that matched none is flagged, as the site's markup
    /// has probably changed.
    private static func editsLine(_ edits: ExperimentReport.HTMLEditsReport) -> String {
        let parts = edits.edits.map { edit in
            let text = "\(HTML.escape(edit.selector)) \(Format.count(edit.matchedResponses))"
            return edits.editedResponses > 0 && edit.matchedResponses == 0
                ? "<span class=\"warn\" title=\"this selector matched no edited page\">⚠ \(text)</span>" : text
        }
        return "<span class=\"sub edits\" title=\"pages edited, and per edit the pages its selector matched\">"
            + "\(Format.count(edits.editedResponses)) pages edited: \(parts.joined(separator: " · "))</span>"
    }

    private static func armTable(_ report: ExperimentReport) -> String {
        let confidence = "\(Int(((1 - report.significance) * 100).rounded()))%"
        var html =
            "<div class=\"table-wrap\"><table class=\"arms\"><thead><tr><th>arm</th><th class=\"opt\">assigned</th>"
        html +=
            "<th>views</th><th>conversions</th><th>rate<span class=\"sub\">\(confidence) interval</span></th><th>P(best)</th>"
        html += "<th>traffic</th><th></th></tr></thead><tbody>"
        for (index, arm) in report.arms.enumerated() {
            let isWinner = arm.name == report.winner
            let colour = SVG.colour(index)
            html += isWinner ? "<tr class=\"win\" data-arm=\"" : "<tr data-arm=\""
            html += HTML.escape(arm.name) + "\">"
            html += "<td><span class=\"swatch\" style=\"background:\(colour)\"></span>\(HTML.escape(arm.name))"
            if index == 0 && !arm.name.lowercased().contains("control") {
                html += " <span class=\"sub\" style=\"display:inline\">· control</span>"
            }
            if let edits = arm.html { html += editsLine(edits) }
            html += guardrailLines(arm, experiment: report.name)
            html += "</td><td class=\"opt\">\(Format.count(arm.assignments))</td><td>\(Format.count(arm.views))"
            // Counts from before confirmation existed have none: no line for those.
            if arm.confirmedViews != arm.views && (arm.confirmedViews > 0 || report.countViews == "confirmed") {
                html += "<span class=\"sub\" title=\"sessions that came back with their cookie\">"
                html += "\(Format.count(arm.confirmedViews)) confirmed</span>"
            }
            html += "</td>"
            html += "<td>\(Format.count(arm.conversions))</td>"
            if arm.views > 0 {
                let lower = arm.interval.first ?? 0
                let upper = arm.interval.last ?? 1
                html += "<td>\(Format.percent(arm.conversionRate))"
                html += "<span class=\"sub\">\(Format.percent(lower)) – \(Format.percent(upper))</span>"
                if let corrected = arm.correctedRate {
                    html +=
                        "<span class=\"sub\" title=\"stratified by hour\">corrected \(Format.percent(corrected))</span>"
                }
                html += "</td><td>\(Format.percent(arm.probabilityBest))\(meter(arm.probabilityBest, colour))</td>"
                html += "<td>\(Format.percent(arm.trafficShare))\(meter(arm.trafficShare, colour))"
                if let allocation = arm.allocation {
                    html +=
                        "<span class=\"sub\" title=\"share of new sessions now\">now \(Format.percent(allocation))</span>"
                }
                html += "</td>"
            } else {
                html += "<td>–<span class=\"sub\">no views</span></td>"
                html += "<td>\(Format.percent(arm.probabilityBest))\(meter(arm.probabilityBest, colour))</td>"
                html += "<td>–</td>"
            }
            html += "<td>"
            if !isWinner {
                let question =
                    "Declare \(arm.name) the winner of \(report.name)? It will be served to every visitor, old and new."
                html += "<button type=\"button\" class=\"small\" data-action=\"winner\""
                html += " data-url=\"\(HTML.escape("\(base)/api/experiments/\(pathComponent(report.name))/winner"))\""
                html += " data-arm=\"\(HTML.escape(arm.name))\" data-confirm=\"\(HTML.escape(question))\""
                html += " title=\"Declare \(HTML.escape(arm.name)) the winner\">Declare winner</button>"
            }
            html += "</td></tr>"
        }
        return html + "</tbody></table></div>"
    }

    private static func meter(_ fraction: Double, _ colour: String) -> String {
        let width = fraction.isFinite ? min(100, max(0, fraction * 100)) : 0
        return "<span class=\"meter\"><span style=\"width:\(SVG.n(width))%;background:\(colour)\"></span></span>"
    }

    private static func charts(_ experiment: Entry, wide: Bool) -> String {
        let report = experiment.report
        let size = wide ? Charts.Size.wide : Charts.Size.card
        let series = experiment.series
        let confidence = "\(Int(((1 - report.significance) * 100).rounded()))%"
        var figures: [(title: String, note: String, svg: String)] = [
            (
                "Conversion rate", "dot: observed rate, bar: \(confidence) Wilson interval",
                Charts.rates(report, size: size)
            ),
            ("Posterior of each rate", "Beta(1 + conversions, 1 + failures)", Charts.posteriors(report, size: size)),
        ]
        var timeNote = series.bucketHours > 1 ? "per \(series.bucketHours) hours" : "per hour"
        if let problem = experiment.seriesProblem { timeNote = "series unavailable: \(problem)" }
        figures.append(
            ("Traffic share over time", "share of views, \(timeNote)", Charts.trafficShare(series, size: size)))
        figures.append(("Cumulative views and conversions", timeNote, Charts.cumulative(series, size: size)))
        var html = "<div class=\"charts\(wide ? " wide" : "")\">"
        for figure in figures {
            html += "<figure><figcaption>\(HTML.escape(figure.title))<span class=\"sub\">"
            html += HTML.escape(figure.note) + "</span></figcaption>" + figure.svg + "</figure>"
        }
        return html + "</div>"
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes a path segment (experiment names are plain already; this is the belt to their braces).
    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

/// Numbers as people read them.
enum Format {
    /// `1,234,567`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    /// `4.1%`; small rates keep two decimals (`0.35%`); never `nan`.
    static func percent(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let percent = value * 100
        if percent != 0 && abs(percent) < 1 { return String(format: "%.2f%%", percent) }
        return String(format: "%.1f%%", percent)
    }
}
