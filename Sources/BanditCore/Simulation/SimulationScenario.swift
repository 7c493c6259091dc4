/// A synthetic experiment: true conversion rates per arm, possibly changing half-way.
public struct SimulationScenario: Sendable, Equatable {
    /// Names the scenario in the summaries (`A/B lift`).
    public var name: String
    /// True rate of each arm from the first session.
    public var rates: [Double]
    /// Rates after `changeAt` of the sessions have passed (a drifting world), if any.
    public var laterRates: [Double]?
    /// The fraction of the sessions after which `laterRates` apply.
    public var changeAt: Double?

    /// True rates per arm (0...1), replaced by `laterRates` once the fraction `changeAt` of the sessions passed.
    public init(name: String, rates: [Double], laterRates: [Double]? = nil, changeAt: Double? = nil) {
        self.name = name
        self.rates = rates
        self.laterRates = laterRates
        self.changeAt = changeAt
    }

    func rates(atSession session: Int, of sessions: Int) -> [Double] {
        if let laterRates, let changeAt, Double(session) >= changeAt * Double(sessions) { return laterRates }
        return rates
    }

    /// Arms whose rate, averaged over the whole run, is the highest: the arms a winner may be.
    func bestArms() -> Set<Int> {
        let means = rates.indices.map { arm -> Double in
            guard let laterRates, let changeAt else { return rates[arm] }
            return rates[arm] * changeAt + laterRates[arm] * (1 - changeAt)
        }
        let best = means.max() ?? 0
        return Set(means.indices.filter { abs(means[$0] - best) < 1e-12 })
    }

    /// The scenarios of issue #5: A/A, a 10%→12% lift, five arms, a mid-way change, a low base rate.
    public static let defaults: [SimulationScenario] = [
        SimulationScenario(name: "A/A", rates: [0.10, 0.10]),
        SimulationScenario(name: "A/B lift", rates: [0.10, 0.12]),
        SimulationScenario(name: "five arms", rates: [0.10, 0.10, 0.10, 0.10, 0.12]),
        SimulationScenario(name: "drift", rates: [0.10, 0.13], laterRates: [0.12, 0.11], changeAt: 0.5),
        SimulationScenario(name: "low base rate", rates: [0.010, 0.013]),
    ]
}
