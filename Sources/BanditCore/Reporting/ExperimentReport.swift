/// An experiment as the API and dashboard show it.
public struct ExperimentReport: Sendable, Equatable, Encodable {
    public var name: String
    public var algorithm: String
    public var source: String
    /// The first goal's path (see `goals`).
    public var target: String
    /// Every goal, e.g. `/contact` or `POST /signup 2xx`.
    public var goals: [String]
    /// The share of new sessions that enter the experiment.
    public var coverage: Double
    /// Uniform: the planned split; bandit policies: each arm's floor. Nil when not set.
    public var weights: [Double]?
    public var minShares: [Double]?
    /// Seconds after a view within which a conversion counts; nil: any time.
    public var attributionWindowSeconds: Int?
    /// `all`, or `confirmed` when rates and decisions go by confirmed views only.
    public var countViews: String
    public var status: ExperimentStatus
    public var winner: String?
    public var significance: Double
    public var minViews: Int
    public var arms: [ArmReport]
    /// Signs that the data look wrong (sample-ratio mismatch, drift), in plain words.
    public var warnings: [String] = []

    public struct ArmReport: Sendable, Equatable, Encodable {
        public var name: String
        public var assignments: Int
        public var views: Int
        /// Views whose session came back with its cookie (crawlers that drop cookies never do).
        public var confirmedViews: Int
        public var conversions: Int
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
        /// For adaptive policies: the rate stratified by hour, which corrects for traffic
        /// having moved while rates drifted (`StratifiedRate`); nil otherwise or without data.
        public var correctedRate: Double?
    }

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
        target = config.target.description
        goals = config.goals.map(\.description)
        coverage = config.coverage
        weights = config.weights
        minShares = config.minShares
        attributionWindowSeconds = config.attributionWindowSeconds
        status = state.status
        winner = state.winner.map { config.arms[$0] }
        significance = config.significance
        minViews = config.minViews
        countViews = config.countViews.rawValue
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
                allocation: allocation.flatMap { index < $0.count ? $0[index] : nil })
        }
    }

    /// Adds each arm's stratified rate, for policies whose allocation moves.
    public mutating func correct(with points: [StratifiedRate.Point], algorithm: Algorithm) {
        guard algorithm != .uniform else { return }
        let rates = StratifiedRate.estimate(points, arms: arms.count)
        for index in arms.indices { arms[index].correctedRate = rates[index] }
    }

    private enum CodingKeys: String, CodingKey {
        case name, algorithm, source, target, goals, coverage, weights, minShare, attributionWindowSeconds, countViews
        case status
        case winner, significance, minViews, arms, warnings
    }

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
        try container.encode(arms, forKey: .arms)
        try container.encode(warnings, forKey: .warnings)
    }
}
