import BanditCore

/// The detail page's "Results by segment": per segment, a small chart of each arm's rate in
/// each value (with its interval), and a table with the figures. A value whose significant
/// leader is not the overall leader is flagged; a leader that is not significant is shown
/// plainly, since looking at many rows finds differences by chance.
enum SegmentsSection {
    static func render(_ report: SegmentReport) -> String {
        guard !report.segments.isEmpty else { return "" }
        var html = "<section class=\"card\" id=\"segments\"><div class=\"card-head\"><h2>Results by segment</h2>"
        html += "<div class=\"actions\"><a href=\"\(Dashboard.base)/api/experiments/"
        html += "\(HTML.escape(Dashboard.pathComponent(report.experiment)))/segments\">JSON</a></div></div>"
        html += "<p class=\"meta\">A leader is <b>significant</b> under the winner rule at α/"
        html +=
            "\(report.correction.comparisons) = \(Self.alpha(report.correction.rowSignificance)), corrected for the "
        html += "\(report.correction.comparisons) rows these segments can show (Bonferroni), so it holds however often "
        html += "you look. ⚑ marks a value whose significant leader differs from the overall one.</p>"
        html += "<div class=\"segments\">"
        for segment in report.segments {
            html += "<div class=\"segment\"><h3>\(HTML.escape(segment.segment))</h3>"
            if segment.values.isEmpty {
                html += "<p class=\"meta\">No views yet.</p>"
            } else {
                html += chart(segment) + table(segment)
            }
            html += "</div>"
        }
        return html + "</div></section>"
    }

    static func alpha(_ value: Double) -> String {
        value >= 0.001 ? String(format: "%.4f", value) : String(format: "%.1e", value)
    }

    /// Horizontal bars: a row per value, a bar per arm at its rate, its interval as a line.
    static func chart(_ segment: SegmentReport.SegmentResults) -> String {
        let arms = segment.values.first?.arms.count ?? 0
        let barHeight = 7.0
        let rowHeight = Double(arms) * (barHeight + 2) + 8
        let (width, labelWidth) = (520.0, 130.0)
        let height = rowHeight * Double(segment.values.count) + 22
        let top = segment.values.flatMap { $0.arms.map { $0.views > 0 ? $0.interval[1] : 0 } }.max() ?? 0
        let upper = SVG.niceCeiling(max(top, 0.01))
        let scale = LinearScale(domain: (0, upper), range: (labelWidth, width - 10))
        var svg = SVG.open(width: width, height: height, label: "conversion rate by \(segment.segment) and arm")
        let ticks = SVG.ticks(0, upper, count: 4)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : upper
        for tick in ticks {
            let x = scale(tick)
            svg += SVG.line(x1: x, y1: 4, x2: x, y2: height - 18, className: "gridline")
            svg += SVG.text(SVG.percent(tick, step: step), x: x, y: height - 4, anchor: "middle", className: "muted")
        }
        for (row, value) in segment.values.enumerated() {
            let y0 = 4 + Double(row) * rowHeight
            let label = (value.differsFromOverall ? "⚑ " : "") + value.value
            svg += SVG.text(
                label, x: labelWidth - 6, y: y0 + rowHeight / 2 - 2, anchor: "end", className: "label",
                baseline: "middle")
            for (arm, results) in value.arms.enumerated() where results.views > 0 {
                let y = y0 + Double(arm) * (barHeight + 2)
                svg +=
                    "<rect x=\"\(SVG.n(labelWidth))\" y=\"\(SVG.n(y))\" width=\"\(SVG.n(scale(results.conversionRate) - labelWidth))\""
                svg += " height=\"\(SVG.n(barHeight))\" fill=\"\(SVG.colour(arm))\" opacity=\"0.85\"/>"
                svg += "<line x1=\"\(SVG.n(scale(results.interval[0])))\" x2=\"\(SVG.n(scale(results.interval[1])))\""
                svg +=
                    " y1=\"\(SVG.n(y + barHeight / 2))\" y2=\"\(SVG.n(y + barHeight / 2))\" stroke=\"\(SVG.colour(arm))\" stroke-width=\"1.5\"/>"
            }
        }
        return "<div class=\"segment-chart\">" + svg + "</svg></div>"
    }

    static func table(_ segment: SegmentReport.SegmentResults) -> String {
        let armNames = segment.values.first?.arms.map(\.name) ?? []
        var html = "<div class=\"table-wrap\"><table class=\"segment-table\"><thead><tr><th>value</th>"
        for (index, name) in armNames.enumerated() {
            html +=
                "<th><span class=\"swatch\" style=\"background:\(SVG.colour(index))\"></span>\(HTML.escape(name))</th>"
        }
        html += "<th>leader</th></tr></thead><tbody>"
        for value in segment.values {
            html += "<tr><td>\(value.differsFromOverall ? "⚑ " : "")\(HTML.escape(value.value))</td>"
            for arm in value.arms {
                let rate = arm.views > 0 ? Format.percent(arm.conversionRate) : "–"
                html +=
                    "<td>\(rate) <span class=\"meta\">\(Format.count(arm.conversions))/\(Format.count(arm.views))</span></td>"
            }
            let leader = value.leader.map(HTML.escape) ?? "–"
            html +=
                "<td>\(value.significant ? "<b>\(leader)</b>, significant" : "\(leader) <span class=\"meta\">(not significant)</span>")</td></tr>"
        }
        return html + "</tbody></table></div>"
    }
}
