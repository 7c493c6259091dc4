/// An experiment as the API and dashboard show it.
public struct ExperimentReport: Sendable, Equatable, Encodable {
    /// The experiment's name, as in `proxy.json`.
    public var name: String
    /// The policy's name in `proxy.json`: `thompson`, `ucb1`, `uniform`, …
    public var algorithm: String
    /// The source path (where sessions get an arm); a trailing `*` makes it a prefix.
    public var source: String
    /// The first goal (see `goals`).
    public var target: String
    /// Every goal, e.g. `/contact`, `POST /signup 2xx` or `click a.cta`.
    public var goals: [String]
    /// The share of new sessions that enter the experiment.
    public var coverage: Double
    /// The planned split of a uniform experiment (`weights`, uniform only); nil when not set.
    public var weights: [Double]?
    /// Bandit policies: each arm's floor on its share of new sessions; nil when not set (`minShare`).
    public var minShares: [Double]?
    /// Seconds after a view within which a conversion counts; nil: any time.
    public var attributionWindowSeconds: Int?
    /// `all`, or `confirmed` when rates and decisions go by confirmed views only.
    public var countViews: String
    /// Whether the experiment runs, is decided or is paused.
    public var status: ExperimentStatus
    /// The declared winner's name; null while undecided, or when decided without a winner.
    public var winner: String?
    /// Error rate of the winner rule, in (0, 0.5].
    public var significance: Double
    /// Views (all arms together) before a winner may be declared.
    public var minViews: Int
    /// Each arm's counts, rates and request figures, in configured order.
    public var arms: [ArmReport]
    /// How the winner rule stands: evidence so far, the effect it is tuned to, and the
    /// sessions still needed.
    public var decision: DecisionReport
    /// Signs that the data look wrong (sample-ratio mismatch, drift), in plain words.
    public var warnings: [String] = []
    /// New sessions served but left uncounted since this instance started, by reason
    /// (`over_budget`: `limits.newSessionsPerMinute`).
    public var uncountedSessions: [String: Int]
    /// The `guardrails` and whether only the control is left; nil without guardrails.
    public var guardrails: GuardrailsReport?
    /// With click or submit goals: the HTML pages that got the goal script, and those whose
    /// Content-Security-Policy would have blocked it (this instance, since it started).
    public var goalScript: GoalScriptReport?

    /// How the goal script of click and submit goals fared (this instance, since it started).
    public struct GoalScriptReport: Sendable, Equatable, Encodable {
        /// HTML pages the goal script was added to.
        public var pages: Int
        /// HTML pages left without it: their Content-Security-Policy would have blocked it.
        public var blockedByContentSecurityPolicy: Int
    }

    /// How the winner rule stands: why it decided, or how far it is from deciding.
    public struct DecisionReport: Sendable, Equatable, Encodable {
        /// Why the experiment is decided (`winner` names the arm, or is null when no arm
        /// differs meaningfully from the others); nil while running or paused.
        public var reason: String?
        /// The minimum detectable effect as configured (`0.01`, or `"20%"`), and in
        /// conversion-rate units at today's rate.
        public var minDetectableEffect: String
        /// The smallest effect the rule is tuned to, in conversion-rate units at today's rate.
        public var effect: Double
        /// The leading arm's evidence against its closest rival, as a share of what a win
        /// needs (1 decides).
        public var evidence: Double
        /// At the current rates and split, the sessions still needed for a decision; nil
        /// when none is expected (see `outlook`).
        public var sessionsNeeded: Int?
        /// One sentence for people.
        public var outlook: String
    }

    /// One arm: its counts, rates, allocation, page edits and requests.
    public struct ArmReport: Sendable, Equatable, Encodable {
        /// The arm's name, as configured.
        public var name: String
        /// Sessions put on this arm.
        public var assignments: Int
        /// Sessions that viewed the source page on this arm (once per session).
        public var views: Int
        /// Views whose session came back with its cookie (crawlers that drop cookies never do).
        public var confirmedViews: Int
        /// Sessions that converted after their view (once per session).
        public var conversions: Int
        /// Conversions per view (per confirmed view with `countViews: confirmed`); 0 without views.
        public var conversionRate: Double
        /// Wilson score interval at confidence 1 − significance.
        public var interval: [Double]
        /// P(this arm has the highest rate) under Beta(1 + conversions, 1 + failures) posteriors.
        public var probabilityBest: Double
        /// This arm's share of the experiment's views.
        public var trafficShare: Double
        /// The share of new sessions the policy gives this arm now (its propensity); nil for
        /// UCB1, which is deterministic.
        public var allocation: Double?
        /// For adaptive policies with a floor on every arm (the default): the rate stratified by
        /// hour, which corrects for traffic having moved while rates drifted (`StratifiedRate`);
        /// nil otherwise (without a floor it is biased) or without data.
        public var correctedRate: Double?
        /// For an arm with `html` edits: the pages edited for it and, per edit, in how many
        /// of them its selector matched (0 flags a selector the site's markup no longer has).
        public var html: HTMLEditsReport?
        /// The requests of the arm's sessions: how many, the shares answered 5xx and slow,
        /// the upstream's latency, and whether its guardrails tripped.
        public var guardrail: GuardrailReport
    }

    /// An arm's `html` edits: the responses edited and, per edit, how many it matched in.
    public struct HTMLEditsReport: Sendable, Equatable, Encodable {
        /// Responses of this arm's sessions that its edits were run on.
        public var editedResponses: Int
        /// Each edit, in configured order.
        public var edits: [Edit]

        /// One `html` edit and how many edited responses its selector matched in.
        public struct Edit: Sendable, Equatable, Encodable {
            /// The edit's CSS selector, as written.
            public var selector: String
            /// What the edit does, named as in `proxy.json`: `text`, `attribute class`, `remove`, …
            public var action: String
            /// Edited responses in which the selector matched; 0 flags one the markup no longer has.
            public var matchedResponses: Int
        }
    }

    /// The experiment as it stands now: configuration, state, counts, decision and guardrails.
    public init(_ experiment: ExperimentRuntime) {
        let config = experiment.config
        let state = experiment.state
        let counts = experiment.counts
        let evidence = experiment.evidence
        let totalViews = counts.reduce(0) { $0 + $1.views }
        let best = experiment.probabilityBest(for: evidence)
        let allocation = experiment.allocation
        name = config.name
        algorithm = config.algorithm.name
        source = config.source.description
        goals = config.goalDescriptions
        target = goals.first ?? ""
        coverage = config.coverage
        weights = config.weights
        minShares = config.minShares
        attributionWindowSeconds = config.attributionWindowSeconds
        status = state.status
        winner = state.winner.map { config.arms[$0] }
        significance = config.significance
        minViews = config.minViews
        countViews = config.countViews.rawValue
        decision = DecisionReport(experiment, evidence: evidence)
        if !config.elementGoals.isEmpty {
            let (pages, blocked) = experiment.goalScriptCounts
            goalScript = GoalScriptReport(pages: pages, blockedByContentSecurityPolicy: blocked)
        }
        uncountedSessions = Dictionary(
            uniqueKeysWithValues: ExperimentRuntime.UncountedReason.allCases.map {
                ($0.rawValue, experiment.uncountedSessions($0))
            })
        arms = counts.enumerated().map { index, count in
            let measured = evidence[index]
            let interval = WilsonInterval.interval(
                successes: measured.conversions, trials: measured.views, confidence: 1 - config.significance)
            return ArmReport(
                name: config.arms[index], assignments: count.assignments, views: count.views,
                confirmedViews: count.confirmedViews, conversions: count.conversions,
                conversionRate: measured.conversionRate,
                interval: [interval.lower, interval.upper],
                probabilityBest: index < best.count ? best[index] : 0,
                trafficShare: totalViews == 0 ? 0 : Double(count.views) / Double(totalViews),
                allocation: allocation.flatMap { index < $0.count ? $0[index] : nil },
                html: HTMLEditsReport(experiment, arm: index),
                guardrail: GuardrailReport(
                    experiment.requestStats[index].snapshot, trip: experiment.guardrails.trip(of: index)))
        }
        guardrails = GuardrailsReport(experiment)
        if guardrails?.servesControlOnly == true {
            warnings.append(Self.servesControlOnlyWarning(control: config.arms[0]))
        }
    }

    /// Adds each arm's stratified rate, for policies whose allocation moves, and only where it
    /// is sound: with a floor on every arm. Without one a starved arm has hours with no view,
    /// which the estimator must leave out, and its rate comes out biased (20% low in a
    /// 168-hour simulation where a quarter of the hours had no view of it).
    public mutating func correct(with points: [StratifiedRate.Point], algorithm: Algorithm) {
        guard algorithm != .uniform, let floors = minShares, floors.allSatisfy({ $0 > 0 }) else { return }
        let rates = StratifiedRate.estimate(points, arms: arms.count)
        for index in arms.indices { arms[index].correctedRate = rates[index] }
    }

    private enum CodingKeys: String, CodingKey {
        case name, algorithm, source, target, goals, coverage, weights, minShare, attributionWindowSeconds, countViews
        case status
        case winner, significance, minViews, decision, arms, warnings, uncountedSessions, guardrails, goalScript
    }

    /// Every field, with `winner` and `attributionWindowSeconds` null when absent and `minShares` as `minShare`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(algorithm, forKey: .algorithm)
        try container.encode(source, forKey: .source)
        try container.encode(target, forKey: .target)
        try container.encode(goals, forKey: .goals)
        try container.encode(coverage, forKey: .coverage)
        try container.encodeIfPresent(weights, forKey: .weights)
        try container.encodeIfPresent(minShares, forKey: .minShare)
        try container.encode(attributionWindowSeconds, forKey: .attributionWindowSeconds)
        try container.encode(countViews, forKey: .countViews)
        try container.encode(status, forKey: .status)
        try container.encode(winner, forKey: .winner)  // null while undecided, by contract
        try container.encode(significance, forKey: .significance)
        try container.encode(minViews, forKey: .minViews)
        try container.encode(decision, forKey: .decision)
        try container.encode(arms, forKey: .arms)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(uncountedSessions, forKey: .uncountedSessions)
        try container.encodeIfPresent(guardrails, forKey: .guardrails)
        try container.encodeIfPresent(goalScript, forKey: .goalScript)
    }
}

extension ExperimentReport.HTMLEditsReport {
    init?(_ experiment: ExperimentRuntime, arm: Int) {
        let edits = experiment.config.armVariants[arm].html
        guard !edits.isEmpty else { return nil }
        let (responses, matches) = experiment.editCounts(arm: arm)
        editedResponses = responses
        self.edits = zip(edits, matches).map { edit, matched in
            Edit(selector: edit.selector.text, action: edit.action.name, matchedResponses: matched)
        }
    }
}

extension ExperimentReport.DecisionReport {
    init(_ experiment: ExperimentRuntime, evidence counts: [ArmCounts]) {
        let config = experiment.config
        let state = experiment.state
        let progress = experiment.winnerRule.progress(counts)
        minDetectableEffect = config.minDetectableEffect.description
        effect = progress.effect
        evidence = progress.evidence
        sessionsNeeded = progress.sessionsNeeded
        let significance = "at most \(Int((config.significance * 100).rounded()))% error"
        switch (state.status, state.winner) {
        case (.decided, let winner?):
            reason = "\(config.arms[winner]) converts better than every other arm (\(significance))"
            outlook = "decided: \(config.arms[winner]) is served to every new session"
        case (.decided, nil):
            reason =
                "no meaningful difference: no arm differs from another by \(config.minDetectableEffect) or more "
                + "(\(significance))"
            outlook = "decided without a winner: \(config.arms[0]) is served to new sessions"
        case (.paused, _):
            reason = nil
            outlook = "paused: nothing is counted or decided"
        case (.running, _) where experiment.servesControlOnly:
            reason = nil
            outlook = "every arm but the control tripped its guardrails: \(config.arms[0]) is served to everyone"
        case (.running, _):
            reason = nil
            if let needed = progress.sessionsNeeded {
                outlook =
                    needed == 0
                    ? "a decision is due at the next check"
                    : "about \(needed) more sessions at the current rates and split"
            } else if let starved = progress.starvedArm {
                outlook =
                    "no decision expected: \(config.arms[starved]) gets under 2% of the sessions; "
                    + "give every arm a floor with minShare (e.g. 0.1)"
            } else if counts.reduce(0, { $0 + $1.views }) == 0 {
                outlook = "waiting for views"
            } else if counts.reduce(0, { $0 + $1.conversions }) == 0 {
                outlook = "waiting for conversions"
            } else {
                outlook = "no decision expected within a billion sessions at the current rates"
            }
        }
    }
}
