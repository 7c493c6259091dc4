/// Warns when an arm's conversion rate changed strongly over an experiment's life.
///
/// Under a bandit the allocation moves while rates drift, so an arm's overall rate mixes
/// periods unevenly and can mislead (Simpson's paradox over time). The check splits each
/// arm's hourly series where half of its views lie before and half after, and compares the
/// two halves with a two-proportion z-test. The threshold is strict (p < 0.001 by default)
/// because the check is repeated on every look: a warning should mean a real change.
public enum DriftCheck {
    /// One hour of one arm: hours since 1970, views, conversions.
    public struct Point: Sendable {
        /// Hours since 1970: only the order of the points matters.
        public var hour: Int
        /// The arm's views counted in that hour.
        public var views: Int
        /// The arm's conversions counted in that hour.
        public var conversions: Int
        /// One hour of one arm's series.
        public init(hour: Int, views: Int, conversions: Int) {
            self.hour = hour
            self.views = views
            self.conversions = conversions
        }
    }

    /// The two-sided p-value that the rates before and after the split are equal, and the
    /// two rates; nil when either half has fewer than `minViews` views.
    public static func test(_ points: [Point], minViews: Int = 200) -> (p: Double, before: Double, after: Double)? {
        let ordered = points.sorted { $0.hour < $1.hour }
        let total = ordered.reduce(0) { $0 + $1.views }
        var early = (views: 0, conversions: 0)
        for point in ordered where early.views * 2 < total {
            early.views += point.views
            early.conversions += point.conversions
        }
        let late = (
            views: total - early.views, conversions: ordered.reduce(0) { $0 + $1.conversions } - early.conversions
        )
        guard early.views >= minViews, late.views >= minViews else { return nil }
        let before = Double(early.conversions) / Double(early.views)
        let after = Double(late.conversions) / Double(late.views)
        let pooled = Double(early.conversions + late.conversions) / Double(total)
        let variance = pooled * (1 - pooled) * (1 / Double(early.views) + 1 / Double(late.views))
        guard variance > 0 else { return nil }
        let z = abs(before - after) / variance.squareRoot()
        return (2 * (1 - NormalDistribution.cdf(z)), before, after)
    }

    /// A sentence for the API's `warnings`, or nil when the arm looks steady.
    public static func warning(arm: String, points: [Point], threshold: Double = 0.001) -> String? {
        guard let result = test(points), result.p < threshold else { return nil }
        return
            "conversion rate of \(arm) drifted: \(percent(result.before)) in the first half of its views, "
            + "\(percent(result.after)) since (p = \(scientific(result.p))); with a bandit moving traffic at the same "
            + "time, raw rates mix periods unevenly, so compare arms over the same period"
    }

    private static func percent(_ value: Double) -> String {
        let tenths = (value * 1000).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }

    private static func scientific(_ value: Double) -> String {
        guard value > 0 else { return "0" }
        var exponent = 0
        var mantissa = value
        while mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        return "\(Int(mantissa.rounded()))e\(exponent)"
    }
}
