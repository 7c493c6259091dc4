import Testing

@testable import BanditCore

/// The corrected rate: right by construction on small cases, and near the truth where the
/// raw rate is biased, in a simulation with drifting rates and a bandit moving traffic.
@Suite struct StratifiedRateTests {
    @Test func weightsEachHoursRateByThatHoursTraffic() {
        // Hour 0: 100 views in all, the arm 10/50 (20%); hour 1: 300 views, the arm 3/30 (10%).
        let points = [
            StratifiedRate.Point(period: 0, arm: 0, views: 50, conversions: 10),
            .init(period: 0, arm: 1, views: 50, conversions: 0),
            .init(period: 1, arm: 0, views: 30, conversions: 3),
            .init(period: 1, arm: 1, views: 270, conversions: 0),
        ]
        let rates = StratifiedRate.estimate(points, arms: 3)
        #expect(abs(rates[0]! - (0.25 * 0.2 + 0.75 * 0.1)) < 1e-12)
        #expect(rates[1] == 0)
        #expect(rates[2] == nil, "no views, no rate")
        #expect(StratifiedRate.estimate([], arms: 2) == [nil, nil])
    }

    /// Control converts 6% throughout; the new arm 4% for the first twelve hours and 10%
    /// after (a campaign started). Served to everyone, each would have converted 6% and 7%.
    /// Thompson sampling (with a 10% floor per arm) keeps the new arm small while it is
    /// worse and moves traffic to it later, so its raw rate over-weights its good hours.
    @Test func theCorrectedRateStaysNearTheTruthWhileTheRawRateIsBiased() {
        let hours = 24
        let perHour = 400
        let truth = [0.06, 0.07]
        func rate(arm: Int, hour: Int) -> Double { arm == 0 ? 0.06 : (hour < 12 ? 0.04 : 0.10) }
        var rawError = [0.0, 0.0]
        var correctedError = [0.0, 0.0]
        let runs = 12
        for run in 0..<runs {
            var rng = SplitMix64(seed: UInt64(100 + run))
            let policy = FlooredPolicy(base: ThompsonPolicy(), floors: [0.1, 0.1])
            var totals = [ArmCounts(), ArmCounts()]
            var points: [StratifiedRate.Point] = []
            for hour in 0..<hours {
                var hourly = [ArmCounts(), ArmCounts()]
                for _ in 0..<perHour {
                    let arm = policy.choose(totals, using: &rng)
                    let converted = UnitInterval.open(using: &rng) < rate(arm: arm, hour: hour)
                    hourly[arm].views += 1
                    totals[arm].views += 1
                    if converted {
                        hourly[arm].conversions += 1
                        totals[arm].conversions += 1
                    }
                }
                for arm in 0..<2 {
                    points.append(
                        .init(period: hour, arm: arm, views: hourly[arm].views, conversions: hourly[arm].conversions))
                }
            }
            let corrected = StratifiedRate.estimate(points, arms: 2)
            for arm in 0..<2 {
                rawError[arm] += (totals[arm].conversionRate - truth[arm]) / Double(runs)
                correctedError[arm] += ((corrected[arm] ?? 0) - truth[arm]) / Double(runs)
            }
        }
        #expect(rawError[1] > 0.008, "the raw rate of the drifting arm is biased upward: \(rawError)")
        #expect(abs(correctedError[1]) < 0.004, "corrected: \(correctedError)")
        #expect(abs(correctedError[0]) < 0.004, "corrected: \(correctedError)")
    }
}
