/// Conversion rates corrected for an allocation that changed over time.
///
/// A bandit moves traffic as it learns. If conversion rates drift meanwhile (weekday and
/// weekend, a sale), an arm's raw rate over-weights the periods when it had the most
/// traffic, and the comparison is biased. Stratifying by period (GrowthBook weights by
/// period, Optimizely by epoch) estimates, for each arm, the rate it would have had if it
/// had been served to all the traffic: the rate within each hour, weighted by that hour's
/// share of all views. Hours in which the arm had no view are left out and the weights of
/// the others renormalised (a `minShare` floor keeps every arm in every hour).
public enum StratifiedRate {
    /// One arm's counts in one period.
    public struct Point: Sendable, Equatable {
        /// The period the counts fall in, such as hours since 1970; one period's points are weighed together.
        public var period: Int
        /// The arm's index, 0..<arms; other points are ignored.
        public var arm: Int
        /// The arm's views in the period.
        public var views: Int
        /// The arm's conversions in the period.
        public var conversions: Int

        /// Counts of arm `arm` in period `period`.
        public init(period: Int, arm: Int, views: Int, conversions: Int) {
            self.period = period
            self.arm = arm
            self.views = views
            self.conversions = conversions
        }
    }

    /// One rate per arm (nil for an arm without views).
    public static func estimate(_ points: [Point], arms: Int) -> [Double?] {
        var viewsByPeriod: [Int: Int] = [:]
        for point in points { viewsByPeriod[point.period, default: 0] += point.views }
        let total = viewsByPeriod.values.reduce(0, +)
        guard total > 0 else { return Array(repeating: nil, count: arms) }
        var weighted = Array(repeating: 0.0, count: arms)
        var weights = Array(repeating: 0.0, count: arms)
        for point in points where point.arm >= 0 && point.arm < arms && point.views > 0 {
            let weight = Double(viewsByPeriod[point.period] ?? 0) / Double(total)
            weighted[point.arm] += weight * Double(point.conversions) / Double(point.views)
            weights[point.arm] += weight
        }
        return (0..<arms).map { weights[$0] > 0 ? weighted[$0] / weights[$0] : nil }
    }
}
