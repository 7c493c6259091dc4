public import BanditCore
import Logging

/// Guardrails from the keeper: checked with each periodic flush, restored by an admin.
///
/// Trips are kept in memory, not in the store: a reload keeps them (the new engine takes
/// them over, `ExperimentEngine.takeOverGuardrails`), a restart starts every arm afresh and
/// trips a broken one again from new counts.
extension StateKeeper {
    /// Trips the arms whose guardrails are shown exceeded, each logged once at warning level
    /// with the figures.
    public func checkGuardrails() {
        let now = Self.now()
        for experiment in engine.experiments where experiment.guardrailMonitor != nil {
            let trips = experiment.checkGuardrails(at: now)
            for trip in trips {
                let readings = experiment.guardrailReadings
                logger.warning(
                    "arm tripped its guardrails: no new sessions, its sessions are served the control",
                    metadata: [
                        "experiment": "\(experiment.name)", "arm": "\(experiment.config.arms[trip.arm])",
                        "reason": "\(trip.reason)", "requests": "\(readings[trip.arm].requests)",
                        "controlRequests": "\(readings[0].requests)",
                    ])
            }
            if !trips.isEmpty && experiment.servesControlOnly {
                logger.warning(
                    "every arm but the control tripped its guardrails: the control is served to everyone",
                    metadata: ["experiment": "\(experiment.name)"])
            }
        }
    }

    /// Untrips `arm` (an admin's restore); returns whether it was tripped.
    public func restoreArm(_ experiment: ExperimentRuntime, arm: Int) -> Bool {
        guard let trip = experiment.restoreArm(arm) else { return false }
        experiment.refreshAllocation()
        logger.notice(
            "arm restored: new sessions again, its sessions served it again; its guardrail counts start over",
            metadata: [
                "experiment": "\(experiment.name)", "arm": "\(experiment.config.arms[arm])",
                "trippedFor": "\(trip.reason)",
            ])
        return true
    }
}
