import Foundation

/// Turns request facts into a decision: which experiments apply, which arm each session
/// gets, what to inject, what would count, and which cookie to set.
///
/// Pure and synchronous: no I/O, no locks. The only shared state it touches is the atomic
/// counts and state of each `ExperimentRuntime`.
public final class ExperimentEngine: Sendable {
    /// Query prefix for QA: `bandit_force_NAME=ARM` serves ARM of NAME, uncounted; an empty ARM leaves NAME.
    public static let forceParameterPrefix = "bandit_force_"
    /// With a force parameter, `bandit_record=1` counts the forced session (staged QA).
    public static let recordParameter = "bandit_record"

    /// Every configured experiment's live state, in configuration order (`index`).
    public let experiments: [ExperimentRuntime]
    private let byName: [String: ExperimentRuntime]
    let codec: SessionCodec
    let sessionSettings: SessionSettings
    private let exclusions: ExclusionRules
    /// Names of every experiment header: a client's own copies are removed.
    public let experimentHeaderNames: [String]
    /// The same, lowercased, and their lengths: a request's few headers are checked against
    /// them, rather than every experiment's header searched for in the request.
    private let experimentHeaderSet: Set<String>
    private let experimentHeaderLengths: HeaderNameLengths
    private let experimentQueryNames: Set<Substring>
    private let experimentNames: [String]
    /// Set when there are enough experiments for a lookup to beat a scan.
    private let pathIndex: PathIndex?
    static let pathIndexThreshold = 16
    /// `limits.newSessionsPerMinute`, when set.
    public let newSessionBudget: NewSessionBudget?
    /// Experiments with an arm that has its own upstream: its sessions are routed on every
    /// request, excluded ones (a page's assets) too.
    let upstreamRoutingExperiments: [ExperimentRuntime]

    /// An engine for `config`'s experiments that signs session cookies with `secret`.
    public init(config: ProxyConfig, secret: String) {
        experiments = config.experiments.enumerated().map { ExperimentRuntime(config: $1, index: $0) }
        byName = Dictionary(uniqueKeysWithValues: experiments.map { ($0.name, $0) })
        codec = SessionCodec(secret: secret, previousSecrets: config.session.previousSecrets)
        sessionSettings = config.session
        exclusions = ExclusionRules(config.exclude)
        newSessionBudget = config.newSessionsPerMinute.map { NewSessionBudget(perMinute: $0) }
        upstreamRoutingExperiments = experiments.filter { $0.config.armVariants.contains { $0.upstream != nil } }
        var headers: [String] = []
        var queries = Set<Substring>()
        for experiment in config.experiments {
            switch experiment.injection {
            case .header(let name): headers.append(name)
            case .query(let name): queries.insert(Substring(name))
            }
        }
        experimentHeaderNames = headers
        experimentHeaderSet = Set(headers.map { $0.lowercased() })
        experimentHeaderLengths = HeaderNameLengths(headers.map(\.utf8.count))
        experimentQueryNames = queries
        experimentNames = config.experiments.map(\.name)
        pathIndex =
            experiments.count < Self.pathIndexThreshold
            ? nil
            : PathIndex(
                config.experiments.enumerated().flatMap { index, experiment in
                    ([experiment.source] + experiment.goals.map(\.path)).map { ($0, index) }
                })
    }

    /// The experiments this request may concern, in configuration order: those whose source
    /// or goals may match the path, and those the session is in (their arm is carried on
    /// every page). All of them, without an index.
    private func concerned(path: String, session: SessionState) -> [ExperimentRuntime] {
        guard let pathIndex else { return experiments }
        var indices: [Int] = []
        pathIndex.candidates(path, into: &indices)
        for entry in session.entries {
            if let experiment = byName[entry.experiment] { indices.append(experiment.index) }
        }
        guard !indices.isEmpty else { return [] }
        indices.sort()
        var result: [ExperimentRuntime] = []
        result.reserveCapacity(indices.count)
        var previous = -1
        for index in indices where index != previous {
            result.append(experiments[index])
            previous = index
        }
        return result
    }

    /// Whether decisions read `RequestFacts.userAgent` (an `exclude.userAgents` rule): a
    /// browser's is over 100 bytes, a String of its own on every request otherwise.
    public var readsUserAgent: Bool { exclusions.readsUserAgent }

    /// The experiment with this name; nil if none is configured.
    public func experiment(named name: String) -> ExperimentRuntime? { byName[name] }

    /// Whether a request header, named by the bytes it arrived in, is one an experiment injects
    /// (the client's copy is removed). Most names are ruled out by their length alone, before a
    /// string is built.
    public func isExperimentHeader(utf8 name: UnsafeRawBufferPointer) -> Bool {
        experimentHeaderLengths.contains(name.count)
            && experimentHeaderSet.contains(String(decoding: name, as: UTF8.self).lowercased())
    }

    /// `requestHeader` reads a request header by lowercase name, for `segments`.
    public func decide<R: RandomNumberGenerator>(
        _ facts: RequestFacts, using rng: inout R, requestHeader: (String) -> String? = { _ in nil }
    ) -> Decision {
        var memo = DecodedCookieMemo()
        return makeDecision(facts, using: &rng, cookieMemo: &memo, requestHeader: requestHeader)
    }

    /// Decides with `cookieMemo` remembering the connection's last decoded session cookie;
    /// a memo must not outlive the engine (its secret) it was filled by.
    public func decide<R: RandomNumberGenerator>(
        _ facts: RequestFacts, using rng: inout R, cookieMemo: inout DecodedCookieMemo
    ) -> Decision {
        makeDecision(facts, using: &rng, cookieMemo: &cookieMemo)
    }

    /// The same with the proxy's generator, named so that this module compiles the decision
    /// specialised for it: called generically from another module, every random draw would
    /// look up generic metadata at run time.
    ///
    /// `clientAddress` resolves the client's address (`limits.newSessionsPerMinute`); it is
    /// called only for a request that opens a session, so returning visitors never pay for it.
    /// `requestHeader` reads a request header by lowercase name, for `segments`: called only
    /// when a view of an experiment with segments is counted.
    public func decide(
        _ facts: RequestFacts, using rng: inout Xoshiro256, cookieMemo: inout DecodedCookieMemo,
        clientAddress: () -> String? = { nil }, requestHeader: (String) -> String? = { _ in nil }
    ) -> Decision {
        makeDecision(
            facts, using: &rng, cookieMemo: &cookieMemo, clientAddress: clientAddress, requestHeader: requestHeader)
    }

    /// Filled in place and returned as it is: built in a local and returned from the long
    /// function below, the whole decision was copied on the way out.
    @inline(__always)
    private func makeDecision<R: RandomNumberGenerator>(
        _ facts: RequestFacts, using rng: inout R, cookieMemo: inout DecodedCookieMemo,
        clientAddress: () -> String? = { nil }, requestHeader: (String) -> String? = { _ in nil }
    ) -> Decision {
        var decision = Decision()
        fillDecision(
            facts, using: &rng, cookieMemo: &cookieMemo, clientAddress: clientAddress, requestHeader: requestHeader,
            into: &decision)
        return decision
    }

    @inline(__always)
    private func fillDecision<R: RandomNumberGenerator>(
        _ facts: RequestFacts, using rng: inout R, cookieMemo: inout DecodedCookieMemo,
        clientAddress: () -> String?, requestHeader: (String) -> String?, into decision: inout Decision
    ) {
        let uri = Substring(facts.uri)
        // The first "?" byte starts the query, as the upstream will read it, even where a
        // combining mark after it makes "?" part of a larger Character.
        let queryStart = uri.utf8.firstIndex(of: UInt8(ascii: "?"))
        let rawPath = queryStart.map { uri[..<$0] } ?? uri
        var query = RequestQuery(queryStart.map { uri[uri.utf8.index(after: $0)...] })
        // Spoofed experiment parameters and force switches never reach the upstream.
        let forced = query.removeAll { name in
            experimentQueryNames.contains(name) || name.utf8.starts(with: ExperimentEngine.forceParameterPrefix.utf8)
                || name.utf8.elementsEqual(ExperimentEngine.recordParameter.utf8)
        }

        if experiments.isEmpty || exclusions.excludes(path: rawPath, userAgent: facts.userAgent) {
            decision.excluded = true
            if query.changed { decision.rewrittenURI = String(rawPath) + query.suffix }
            if !upstreamRoutingExperiments.isEmpty { routeExcluded(facts, cookieMemo: &cookieMemo, into: &decision) }
            return
        }

        let path = PathPattern.normalise(rawPath)
        let incoming = facts.cookie(named: sessionSettings.cookie).flatMap { value in
            cookieMemo.decode(value, with: codec.decode)
        }
        // A new session gets its id only once it has something to remember (below).
        var assigned = incoming ?? SessionState(id: "")
        let authenticated = isAuthenticated(facts)

        // Entries of experiments no longer configured, or of an older generation, are dropped
        // (checked first: removing copies the entries, and a returning visitor has none stale).
        let isStale = { (entry: SessionState.Entry) -> Bool in !self.isCurrent(entry) }
        if assigned.entries.contains(where: isStale) { assigned.entries.removeAll(where: isStale) }

        let record = forced.contains {
            $0.name.utf8.elementsEqual(ExperimentEngine.recordParameter.utf8) && $0.value == "1"
        }
        var forcedAssignments: [CountEvent] = []
        for (name, value) in forced where name.utf8.starts(with: ExperimentEngine.forceParameterPrefix.utf8) {
            let prefixEnd = name.utf8.index(name.startIndex, offsetBy: ExperimentEngine.forceParameterPrefix.utf8.count)
            let experimentName = String(name[prefixEnd...])
            guard let experiment = byName[experimentName] else { continue }
            if value.isEmpty {
                assigned.removeEntry(for: experimentName)
            } else if let arm = experiment.config.arms.firstIndex(where: { $0[...] == value }) {
                assigned.set(
                    .init(
                        experiment: experimentName, generation: experiment.state.generation, arm: arm, forced: true,
                        recorded: record))
                if record { forcedAssignments.append(CountEvent(.assignment, experiment: experiment.index, arm: arm)) }
            }
        }

        var counted = assigned
        // Asked once, when a new session would first be counted (see `NewSessionBudget`).
        var budget: BudgetVerdict = incoming == nil && newSessionBudget != nil ? .unasked : .notApplicable
        let context = SessionContext(
            path: path, method: facts.method, authenticated: authenticated, now: facts.now, returning: incoming != nil)
        for event in forcedAssignments
        where !(experiments[event.experiment].config.ignoreAuthenticated && authenticated) {
            decision.assignments.append(event)
        }
        // An arm's `path`: the source page is fetched from there.
        var sourcePath: String?
        for experiment in concerned(path: path, session: assigned) {
            var propensity: Double?
            guard
                let arm = apply(
                    experiment, context, facts: facts, clientAddress: clientAddress, requestHeader: requestHeader,
                    budget: &budget,
                    assigned: &assigned, counted: &counted,
                    decision: &decision, propensity: &propensity, rng: &rng)
            else { continue }
            let armName = experiment.config.arms[arm]
            let variant = experiment.config.armVariants[arm]
            if !variant.isPlain {
                route(
                    variant, of: ArmReference(experiment: experiment.index, arm: arm), experiment.config,
                    path: path, query: query, sourcePath: &sourcePath, into: &decision)
            }
            switch experiment.config.injection {
            case .header(let name):
                decision.served.append(
                    ServedArm(
                        experiment: experiment.name, arm: armName, header: name, propensity: propensity,
                        reference: ArmReference(experiment: experiment.index, arm: arm)))
            case .query(let name):
                decision.served.append(
                    ServedArm(
                        experiment: experiment.name, arm: armName, propensity: propensity,
                        reference: ArmReference(experiment: experiment.index, arm: arm)))
                query.append(name: name, value: armName)
            }
        }

        if let sourcePath {
            decision.rewrittenURI = sourcePath + query.suffix
        } else if query.changed {
            decision.rewrittenURI = String(rawPath) + query.suffix
        }
        if decision.upstreamArm == nil && !upstreamRoutingExperiments.isEmpty {
            decision.upstreamArm = decidedUpstreamArm()
        }
        if incoming == nil && !assigned.entries.isEmpty {
            let id = Base64URL.randomIdentifier(using: &rng)
            assigned.id = id
            counted.id = id
        }
        // A cookie signed with a previous secret is signed again, changed or not.
        let resign = incoming?.signedWithPreviousSecret == true
        if !counted.entries.isEmpty, resign || Self.differs(counted, from: incoming) {
            decision.sessionIfCounted = counted
        }
        if !assigned.entries.isEmpty, resign || Self.differs(assigned, from: incoming) {
            decision.sessionIfNotCounted = assigned
        }
        if decision.sessionIfCounted != nil || decision.sessionIfNotCounted != nil {
            decision.cookieWriter = cookieWriter(https: facts.isHTTPS)
        }
    }

    /// `session` is not what the cookie said. (`incoming != session` would wrap `session` in
    /// an Optional: a copy, with a retain of its id and entries, on every request.)
    private static func differs(_ session: SessionState, from incoming: SessionState?) -> Bool {
        switch incoming {
        case .none: true
        case .some(let incoming): incoming != session
        }
    }

    private func cookieWriter(https: Bool) -> SessionCookieWriter {
        SessionCookieWriter(codec: codec, settings: sessionSettings, https: https, experimentNames: experimentNames)
    }

    /// The entry belongs to a configured experiment, its current generation and an arm it has.
    func isCurrent(_ entry: SessionState.Entry) -> Bool {
        guard let experiment = byName[entry.experiment] else { return false }
        return entry.generation == experiment.state.generation && entry.arm < experiment.config.arms.count
    }

    /// Minutes since 1970: `now` (seconds) if the request said, else the clock.
    static func minute(now: Int?) -> Int { (now ?? Int(Date().timeIntervalSince1970)) / 60 }

    /// A conversion counts within the attribution window after the view (when one is set).
    static func withinAttributionWindow(_ entry: SessionState.Entry, _ config: ExperimentConfig, now: Int?) -> Bool {
        guard let window = config.attributionWindowSeconds else { return true }
        guard let viewed = entry.viewedAtMinute else { return false }  // viewed before the window was set
        return (minute(now: now) - viewed) * 60 <= window
    }

    /// The request carries the `session.authCookie` (a logged-in user).
    func isAuthenticated(_ facts: RequestFacts) -> Bool {
        sessionSettings.authCookie.map { facts.cookie(named: $0).map { !$0.isEmpty } ?? false } ?? false
    }

    /// Whether a new session is within `limits.newSessionsPerMinute`.
    private enum BudgetVerdict {
        case notApplicable, unasked, within, over
    }

    /// The budget's verdict for this request's new session, asking it the first time.
    private func isOverBudget(_ facts: RequestFacts, _ clientAddress: () -> String?, _ verdict: inout BudgetVerdict)
        -> Bool
    {
        switch verdict {
        case .notApplicable, .within: return false
        case .over: return true
        case .unasked:
            guard let newSessionBudget else { return false }
            let seconds = facts.now ?? Int(Date().timeIntervalSince1970)
            // A client whose address is unknown shares one allowance with every other.
            let address = clientAddress() ?? facts.clientAddress ?? "unknown"
            let admitted = newSessionBudget.admit(address: address, atSecond: seconds)
            verdict = admitted ? .within : .over
            return !admitted
        }
    }

    private struct SessionContext {
        var path: String
        var method: String
        var authenticated: Bool
        /// Seconds since 1970 if the request said; read from the clock only when needed.
        var now: Int?
        /// The request came with the session's cookie.
        var returning: Bool

        var minute: Int { ExperimentEngine.minute(now: now) }
    }

    /// Applies one experiment to the session; returns the arm to serve, if any, and sets
    /// `propensity` where its policy picked the arm just now.
    ///
    /// `assigned` receives new assignments only; `counted` also receives the view and
    /// conversion marks, and becomes the cookie if the upstream answers below 400.
    private func apply<R: RandomNumberGenerator>(
        _ experiment: ExperimentRuntime, _ context: SessionContext, facts: RequestFacts,
        clientAddress: () -> String?, requestHeader: (String) -> String?, budget: inout BudgetVerdict,
        assigned: inout SessionState,
        counted: inout SessionState,
        decision: inout Decision,
        propensity: inout Double?, rng: inout R
    ) -> Int? {
        let config = experiment.config
        let state = experiment.state
        let isSource = config.source.matches(normalisedPath: context.path)
        let goal = config.goals.first { $0.matches(normalisedPath: context.path, method: context.method) }
        var entry = counted.entry(for: config.name)

        if entry == nil {
            guard isSource else { return nil }
            switch state.status {
            case .paused:
                return 0  // serve the control, assign nobody
            case .decided:
                entry = .init(experiment: config.name, generation: state.generation, arm: state.winner ?? 0)
            case .running:
                if config.coverage < 1 && UnitInterval.open(using: &rng) >= config.coverage {
                    entry = .init(experiment: config.name, generation: state.generation, arm: 0, holdout: true)
                } else {
                    let arm = experiment.chooseArm(using: &rng)
                    entry = .init(experiment: config.name, generation: state.generation, arm: arm)
                    if isOverBudget(facts, clientAddress, &budget) {
                        entry!.overBudget = true
                        experiment.sessionLeftUncounted(.overBudget)
                    }
                    if let shares = experiment.allocation, arm < shares.count { propensity = shares[arm] }
                }
            }
            assigned.set(entry!)
            counted.set(entry!)
            if entry!.isCounted && !(config.ignoreAuthenticated && context.authenticated) {
                decision.assignments.append(CountEvent(.assignment, experiment: experiment.index, arm: entry!.arm))
            }
        }
        guard var entry else { return nil }
        // Held out, forced, or over budget.
        if !entry.isCounted { return Self.servedArm(entry, state, experiment.guardrails) }

        // A tripped arm's sessions see the control: what they do is not the arm's doing.
        let countable =
            state.status != .paused && !(config.ignoreAuthenticated && context.authenticated)
            && !experiment.guardrails.isTripped(entry.arm)
        if countable {
            let viewedBefore = entry.viewed
            var marked = false
            if isSource && !entry.viewed {
                entry.viewed = true
                if config.attributionWindowSeconds != nil { entry.viewedAtMinute = context.minute }
                if !config.segments.isEmpty {
                    entry.segmentValues = SegmentValues.of(
                        config.segments, header: requestHeader, query: { facts.queryValue(named: $0) },
                        isNewSession: !context.returning)
                }
                marked = true
                decision.pendingCounts.append(CountEvent(.view, experiment: experiment.index, arm: entry.arm))
                if experiment.segmentCounts != nil {
                    decision.segmentValues.append((experiment.index, entry.segmentValues))
                }
                // A view on the session's first request is confirmed when the cookie comes back.
                if context.returning {
                    decision.pendingCounts.append(
                        CountEvent(.confirmation, experiment: experiment.index, arm: entry.arm))
                } else {
                    entry.unconfirmed = true
                }
            } else if entry.unconfirmed && context.returning {
                entry.unconfirmed = false
                marked = true
                decision.pendingCounts.append(CountEvent(.confirmation, experiment: experiment.index, arm: entry.arm))
            }
            if let goal, viewedBefore, !entry.converted, Self.withinAttributionWindow(entry, config, now: context.now) {
                entry.converted = true
                marked = true
                decision.pendingCounts.append(
                    CountEvent(.conversion, experiment: experiment.index, arm: entry.arm, statuses: goal.statuses))
                if experiment.segmentCounts != nil {
                    decision.segmentValues.append((experiment.index, entry.segmentValues))
                }
            }
            // Only a change is written: a returning visitor's session is then never copied.
            if marked { counted.set(entry) }
            if !config.elementGoals.isEmpty, entry.viewed, !entry.converted,
                Self.withinAttributionWindow(entry, config, now: context.now)
            {
                decision.goalScriptExperiments.append(experiment.index)
            }
        }
        return Self.servedArm(entry, state, experiment.guardrails)
    }

    /// The arm a session's entry is served: an arm forced for QA as forced; a held-out
    /// session the control, or the winner once decided; any other its own arm while the
    /// experiment runs, the winner once decided, the control while paused. An arm its
    /// guardrails tripped is replaced by the control (a forced one excepted: QA asked for it).
    static func servedArm(
        _ entry: SessionState.Entry, _ state: ExperimentRuntime.State, _ guardrails: GuardrailState
    ) -> Int {
        if entry.forced && !entry.recorded { return entry.arm }
        let arm: Int
        if entry.holdout {
            arm = state.status == .decided ? state.winner ?? 0 : 0
        } else {
            switch state.status {
            case .running: arm = entry.arm
            case .decided: arm = state.winner ?? entry.arm
            case .paused: arm = 0
            }
        }
        return guardrails.isTripped(arm) ? 0 : arm
    }

    /// Adds the counts of a delivered response: assignments always, views and conversions
    /// only when the upstream answered below 400.
    public func commit(_ decision: Decision, status: Int) {
        for event in decision.assignments {
            experiments[event.experiment].add(arm: event.arm, assignments: 1)
        }
        for event in decision.pendingCounts where event.counts(status: status) {
            switch event.kind {
            case .view:
                experiments[event.experiment].add(arm: event.arm, views: 1)
                if let segments = experiments[event.experiment].segmentCounts {
                    segments.record(arm: event.arm, values: decision.segmentValues(of: event.experiment), views: 1)
                }
            case .conversion:
                experiments[event.experiment].add(arm: event.arm, conversions: 1)
                if let segments = experiments[event.experiment].segmentCounts {
                    segments.record(
                        arm: event.arm, values: decision.segmentValues(of: event.experiment), conversions: 1)
                }
            case .assignment: experiments[event.experiment].add(arm: event.arm, assignments: 1)
            case .confirmation: experiments[event.experiment].add(arm: event.arm, confirmedViews: 1)
            }
        }
    }
}
