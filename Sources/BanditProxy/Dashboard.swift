import BanditCore
import Foundation

/// The `/__bandits` page: every experiment with its arms, counts, rates and intervals.
/// Server-rendered, no external assets, so it works offline and behind any firewall.
enum Dashboard {
    static func render(_ experiments: [ExperimentReport]) -> String {
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="10">
            <title>bandit-proxy</title>
            <style>
            body{font-family:system-ui,-apple-system,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
            header{background:#1d2330;color:#fff;padding:1em 1.5em}header h1{margin:0;font-size:1.3em}
            main{padding:1em 1.5em;max-width:1100px}
            section{background:#fff;border-radius:8px;padding:1em 1.2em;margin:0 0 1em;box-shadow:0 1px 3px #0002}
            h2{margin:.2em 0 .4em;font-size:1.15em}.meta{color:#5b6475;font-size:.9em}
            table{border-collapse:collapse;width:100%;margin-top:.6em;font-variant-numeric:tabular-nums}
            th,td{text-align:right;padding:.35em .5em;border-bottom:1px solid #e4e7ec}th:first-child,td:first-child{text-align:left}
            .badge{display:inline-block;border-radius:99px;padding:.1em .6em;font-size:.8em;margin-left:.4em;color:#fff}
            .running{background:#2f7de1}.decided{background:#1f9d55}.paused{background:#8a8f98}
            .bar{background:#e4e7ec;border-radius:3px;height:8px;position:relative;min-width:80px}
            .bar span{position:absolute;top:0;height:8px;background:#2f7de1;border-radius:3px}
            .win td:first-child{font-weight:600}
            </style></head><body><header><h1>bandit-proxy</h1></header><main>

            """
        if experiments.isEmpty {
            html += "<section><p>No experiments are configured. Add one to <code>proxy.json</code>.</p></section>"
        }
        for experiment in experiments { html += section(experiment) }
        html += "</main></body></html>\n"
        return html
    }

    private static func section(_ experiment: ExperimentReport) -> String {
        let name = HTML.escape(experiment.name)
        var html = "<section id=\"exp-\(name)\"><h2>\(name)<span class=\"badge \(experiment.status.rawValue)\">"
        html += experiment.status.rawValue + "</span>"
        if let winner = experiment.winner {
            html += "<span class=\"badge decided\">winner: \(HTML.escape(winner))</span>"
        }
        html += "</h2><div class=\"meta\">\(HTML.escape(experiment.algorithm)) · source <code>"
        html += HTML.escape(experiment.source) + "</code> → target <code>" + HTML.escape(experiment.target) + "</code>"
        html += " · \(Int(((1 - experiment.significance) * 100).rounded()))% intervals</div>"
        html += "<table><thead><tr><th>arm</th><th>views</th><th>conversions</th><th>rate</th><th>interval</th>"
        html += "<th>P(best)</th><th>traffic</th><th></th></tr></thead><tbody>"
        for arm in experiment.arms {
            let lower = arm.interval.first ?? 0
            let upper = arm.interval.last ?? 1
            html += arm.name == experiment.winner ? "<tr class=\"win\">" : "<tr>"
            html += "<td>\(HTML.escape(arm.name))</td><td>\(arm.views)</td><td>\(arm.conversions)</td>"
            html += "<td>\(percent(arm.conversionRate))</td><td>\(percent(lower)) – \(percent(upper))</td>"
            html += "<td>\(percent(arm.probabilityBest))</td><td>\(percent(arm.trafficShare))</td>"
            html +=
                "<td><div class=\"bar\" title=\"interval\"><span style=\"left:\(String(format: "%.1f", lower * 100))%;"
            html += "width:\(String(format: "%.1f", max(0.5, (upper - lower) * 100)))%\"></span></div></td></tr>"
        }
        html += "</tbody></table></section>\n"
        return html
    }

    private static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}
