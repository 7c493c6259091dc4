import BanditCore
import BanditStore

/// Signs that an experiment's data look wrong, in plain words for the API and dashboard.
enum ExperimentWarnings {
    static func evaluate(_ experiment: ExperimentRuntime, series: [SeriesPoint]) -> [String] {
        var warnings: [String] = []
        for arm in experiment.config.arms {
            let points = series.filter { $0.arm == arm }.map {
                DriftCheck.Point(hour: $0.hour, views: $0.counts.views, conversions: $0.counts.conversions)
            }
            if let drift = DriftCheck.warning(arm: arm, points: points) { warnings.append(drift) }
        }
        return warnings
    }
}
