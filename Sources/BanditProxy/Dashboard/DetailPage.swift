import BanditCore
import BanditStore
import Foundation

/// `/__bandits/experiments/{name}`: one experiment with larger charts and its hourly series
/// as a table (newest first; the whole series is in the CSV export).
enum DetailPage {
    /// Rows shown in the series table; the CSV has them all.
    static let maxRows = 2000

    static func render(_ experiment: Dashboard.Entry, now: Date = Date()) -> String {
        let report = experiment.report
        var main = "<p class=\"meta\" style=\"margin:0 0 .8em\"><a href=\"\(Dashboard.base)\">← all experiments</a></p>"
        main += Dashboard.card(experiment, wide: true)
        if let segments = experiment.segments { main += SegmentsSection.render(segments) }
        main += "<section class=\"card\"><div class=\"card-head\"><h2>Hourly series</h2><div class=\"actions\">"
        main += "<a href=\"\(Dashboard.base)/api/experiments/\(HTML.escape(Dashboard.pathComponent(report.name)))"
        main += "/series.csv\" download>Download CSV</a></div></div>"
        if let problem = experiment.seriesProblem {
            main += "<p class=\"meta\">The series could not be read: \(HTML.escape(problem))</p>"
        }
        let rows = SeriesRows.ordered(experiment.points, arms: report.arms.map(\.name)).reversed()
        if rows.isEmpty {
            main +=
                "<p class=\"meta\">No hourly data yet: counts reach the series when they are written to storage.</p>"
        } else {
            main += "<p class=\"meta\">Times in UTC, newest first"
            if rows.count > maxRows { main += "; the latest \(maxRows) of \(rows.count) rows (the CSV has them all)" }
            main += ".</p><div class=\"table-wrap series\"><table class=\"series-table\"><thead><tr><th>hour (UTC)</th>"
            main += "<th>arm</th><th>assigned</th><th>views</th><th>conversions</th><th>rate</th></tr></thead><tbody>"
            for point in rows.prefix(maxRows) {
                let counts = point.counts
                main += "<tr><td>\(HourFormat.readable(point.hour))</td><td>\(HTML.escape(point.arm))</td>"
                main += "<td>\(Format.count(counts.assignments))</td><td>\(Format.count(counts.views))</td>"
                main += "<td>\(Format.count(counts.conversions))</td>"
                main += "<td>\(counts.views > 0 ? Format.percent(counts.conversionRate) : "–")</td></tr>"
            }
            main += "</tbody></table></div>"
        }
        main += "</section>"
        return Dashboard.page(title: "\(report.name) · bandit-proxy", main: main, now: now)
    }
}

/// The series in a stable order: by hour, then by the arm's position in the config (arms no
/// longer configured last, by name).
enum SeriesRows {
    static func ordered(_ points: [SeriesPoint], arms: [String]) -> [SeriesPoint] {
        let position = Dictionary(arms.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return points.sorted { a, b in
            if a.hour != b.hour { return a.hour < b.hour }
            let (pa, pb) = (position[a.arm] ?? Int.max, position[b.arm] ?? Int.max)
            return pa != pb ? pa < pb : a.arm < b.arm
        }
    }

    /// `hour_utc,arm,assignments,views,conversions`, one line per stored hour and arm.
    static func csv(_ points: [SeriesPoint], arms: [String]) -> String {
        var text = "hour_utc,arm,assignments,views,conversions\n"
        for point in ordered(points, arms: arms) {
            let counts = point.counts
            text += "\(HourFormat.iso(point.hour)),\(csvField(point.arm)),"
            text += "\(counts.assignments),\(counts.views),\(counts.conversions)\n"
        }
        return text
    }

    /// RFC 4180 quoting where needed (arm names cannot hold these characters today).
    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
