public import BanditHTML
import Foundation

/// Arms that need no code in the site: a `path` fetched in place of the source page (or
/// redirected to), an `upstream` that serves every request of the arm's sessions.
extension ExperimentEngine {
    /// Applies the served arm's variant: its path on the source page, its upstream on any
    /// page (the first experiment's, when several experiments route).
    func route(
        _ variant: ArmVariant, of arm: ArmReference, _ config: ExperimentConfig, path: String, query: RequestQuery,
        sourcePath: inout String?, into decision: inout Decision
    ) {
        if decision.upstreamArm == nil, variant.upstream != nil { decision.upstreamArm = arm }
        guard config.source.matches(normalisedPath: path) else { return }
        if !variant.html.isEmpty { decision.htmlArms.append(arm) }
        guard let target = variant.path else { return }
        if variant.redirect {
            decision.redirectLocation = target + query.suffix
        } else if sourcePath == nil {
            sourcePath = target
        }
    }

    /// A request no experiment concerns (an asset, a page the exclusions name) still goes to
    /// the upstream of its session's arm, so that a new deployment serves its own assets.
    func routeExcluded(_ facts: RequestFacts, cookieMemo: inout DecodedCookieMemo, into decision: inout Decision) {
        let session = facts.cookie(named: sessionSettings.cookie).flatMap { value in
            cookieMemo.decode(value, with: codec.decode)
        }
        for entry in session?.entries ?? [] where isCurrent(entry) {
            guard let experiment = experiment(named: entry.experiment) else { continue }
            let arm = Self.servedArm(entry, experiment.state, experiment.guardrails)
            if experiment.config.armVariants[arm].upstream != nil {
                decision.upstreamArm = ArmReference(experiment: experiment.index, arm: arm)
                return
            }
        }
        decision.upstreamArm = decidedUpstreamArm()
    }

    /// A decided experiment whose winner has its own upstream serves everyone from it (unless
    /// its guardrails tripped it).
    func decidedUpstreamArm() -> ArmReference? {
        for experiment in upstreamRoutingExperiments {
            let state = experiment.state
            guard state.status == .decided, let winner = state.winner,
                experiment.config.armVariants[winner].upstream != nil, !experiment.guardrails.isTripped(winner)
            else { continue }
            return ArmReference(experiment: experiment.index, arm: winner)
        }
        return nil
    }

    /// The upstream an arm reference names.
    public func upstream(of arm: ArmReference) -> UpstreamURL? {
        experiments[arm.experiment].config.armVariants[arm.arm].upstream
    }

    /// The `html` edits of the arms a response is edited for, in order.
    public func htmlEdits(of arms: [ArmReference]) -> [HTMLEdit] {
        arms.flatMap { experiments[$0.experiment].config.armVariants[$0.arm].html }
    }

    /// Counts one response edited for `arms`, and which of their edits matched in it
    /// (`matched` in the order of `htmlEdits(of:)`).
    public func recordEditedResponse(for arms: [ArmReference], matched: [Bool]) {
        var offset = 0
        for arm in arms {
            let experiment = experiments[arm.experiment]
            let count = experiment.config.armVariants[arm.arm].html.count
            experiment.recordEditedResponse(arm: arm.arm, matched: matched[offset..<min(offset + count, matched.count)])
            offset += count
        }
    }
}
