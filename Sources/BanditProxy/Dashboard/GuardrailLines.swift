import BanditCore

/// Guardrails on the dashboard: under each arm its requests, and a red badge with the
/// figures (and a restore button) once it tripped.
extension Dashboard {
    /// Under an arm: its sessions' requests, their 5xx and slow shares and the upstream's
    /// latency; once tripped, the badge and the restore button.
    static func guardrailLines(_ arm: ExperimentReport.ArmReport, experiment: String) -> String {
        let figures = arm.guardrail
        var html = ""
        if figures.requests > 0 {
            var text = "\(Format.count(figures.requests)) requests · 5xx \(Format.percent(figures.errorRate))"
            if figures.slowRate > 0 { text += " · slow \(Format.percent(figures.slowRate))" }
            if let p50 = figures.p50Ms, let p95 = figures.p95Ms {
                text += " · p50 \(Int(p50.rounded())) ms, p95 \(Int(p95.rounded())) ms"
            }
            html += "<span class=\"sub requests\" title=\"this instance, since it started\">\(text)</span>"
        }
        guard figures.tripped, let reason = figures.reason else { return html }
        let at = figures.trippedAt.map { ", tripped at \(clockMinutes($0)) UTC" } ?? ", tripped"
        html += "<span class=\"sub\"><span class=\"badge tripped\" title=\"no new sessions; its sessions are served "
        html += "the control\">\(HTML.escape(reason + at))</span> "
        let url = "\(base)/api/experiments/\(pathComponent(experiment))/arms/\(pathComponent(arm.name))/restore"
        let question =
            "Restore \(arm.name)? It gets new sessions again and its sessions are served it again; "
            + "its guardrails start counting afresh."
        html += "<button type=\"button\" class=\"small\" data-action=\"restore\" data-url=\"\(HTML.escape(url))\""
        html += " data-confirm=\"\(HTML.escape(question))\">Restore</button></span>"
        return html
    }

    /// In an experiment's head: a red badge when every arm but the control has tripped.
    static func servesControlOnlyBadge(_ report: ExperimentReport) -> String {
        guard report.guardrails?.servesControlOnly == true else { return "" }
        return "<span class=\"badge tripped\">guardrails: serving \(HTML.escape(report.arms[0].name)) only</span>"
    }

    /// `17:42` for seconds since 1970 (UTC).
    static func clockMinutes(_ seconds: Int) -> String {
        let day = ((seconds % 86_400) + 86_400) % 86_400
        let minutes = day / 60 % 60
        return "\(day / 3600 < 10 ? "0" : "")\(day / 3600):\(minutes < 10 ? "0" : "")\(minutes)"
    }
}
