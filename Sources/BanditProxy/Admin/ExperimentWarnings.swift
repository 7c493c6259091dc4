import BanditCore
import BanditStore

/// Signs that an experiment's data look wrong, in plain words for the API and dashboard.
enum ExperimentWarnings {
    static func evaluate(_ experiment: ExperimentRuntime, series: [SeriesPoint]) -> [String] {
        var warnings: [String] = []
        // Only a fixed split has a planned ratio to test against.
        if experiment.config.algorithm == .uniform, experiment.state.status == .running {
            let views = experiment.counts.map(\.views)
            let planned = experiment.config.plannedShares
            if let mismatch = SampleRatioMismatch.warning(views: views, expectedShares: planned) {
                warnings.append(mismatch)
            }
        }
        for arm in experiment.config.arms {
            let points = series.filter { $0.arm == arm }.map {
                DriftCheck.Point(hour: $0.hour, views: $0.counts.views, conversions: $0.counts.conversions)
            }
            if let drift = DriftCheck.warning(arm: arm, points: points) { warnings.append(drift) }
        }
        let blocked = experiment.goalScriptCounts.blocked
        if !experiment.config.elementGoals.isEmpty, blocked > 0 {
            warnings.append(
                "goal script blocked by the site's Content-Security-Policy on \(blocked) page\(blocked == 1 ? "" : "s"): "
                    + "clicks and submissions there are not counted; allow 'self' in script-src (or give the "
                    + "page's scripts a nonce)")
        }
        return warnings
    }
}
