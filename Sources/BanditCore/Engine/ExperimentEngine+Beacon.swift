/// Conversions reported by the page itself, for goals reached in JavaScript (a click, a
/// video played): `POST /__bandits/convert?experiment=NAME` with the session cookie.
extension ExperimentEngine {
    /// What became of a conversion the page reported.
    public enum BeaconOutcome: Sendable, Equatable {
        /// Counted; the cookie now remembers the conversion.
        case counted(setCookie: String)
        /// Not counted, and why, in plain words.
        case notCounted(String)
    }

    /// Counts a conversion under the same rules as a visit of the target: once per session,
    /// after a counted view, within the attribution window. Nil for an unknown experiment.
    public func convertByBeacon(experiment name: String, _ facts: RequestFacts) -> BeaconOutcome? {
        guard let experiment = experiment(named: name) else { return nil }
        let config = experiment.config
        let state = experiment.state
        guard let session = facts.cookie(named: sessionSettings.cookie).flatMap({ codec.decode($0) }) else {
            return .notCounted("no valid session cookie; the visitor has not reached the experiment's source page")
        }
        guard var entry = session.entry(for: name), isCurrent(entry) else {
            return .notCounted("this session is not in the experiment")
        }
        guard entry.isCounted else { return .notCounted("this session is forced or held out, so it is not counted") }
        guard state.status != .paused else { return .notCounted("the experiment is paused") }
        guard !experiment.guardrails.isTripped(entry.arm) else {
            return .notCounted("this session's arm tripped its guardrails; it is served the control")
        }
        if config.ignoreAuthenticated && isAuthenticated(facts) {
            return .notCounted("logged-in sessions are not counted in this experiment")
        }
        guard entry.viewed else { return .notCounted("no view has been counted for this session yet") }
        guard !entry.converted else { return .notCounted("this session has already converted") }
        guard Self.withinAttributionWindow(entry, config, now: facts.now) else {
            return .notCounted("the view is older than the attribution window")
        }
        entry.converted = true
        // The beacon carries the cookie: the session came back.
        let confirms = entry.unconfirmed
        entry.unconfirmed = false
        var updated = session
        updated.set(entry)
        experiment.add(arm: entry.arm, conversions: 1, confirmedViews: confirms ? 1 : 0)
        experiment.segmentCounts?.record(arm: entry.arm, values: entry.segmentValues, conversions: 1)
        let writer = SessionCookieWriter(
            codec: codec, settings: sessionSettings, https: facts.isHTTPS, experimentNames: [])
        return .counted(setCookie: writer.setCookie(updated))
    }
}
