import Testing

@testable import BanditCore

@Suite struct DriftCheckTests {
    static func hours(_ rates: [(views: Int, conversions: Int)]) -> [DriftCheck.Point] {
        rates.enumerated().map { DriftCheck.Point(hour: 1000 + $0, views: $1.views, conversions: $1.conversions) }
    }

    @Test func aSteadyRateRaisesNoWarning() {
        let points = Self.hours(Array(repeating: (500, 50), count: 10))
        #expect(DriftCheck.warning(arm: "control", points: points) == nil)
        let result = DriftCheck.test(points)
        #expect(result.map { abs($0.before - 0.1) < 1e-9 && abs($0.after - 0.1) < 1e-9 } == true)
    }

    @Test func aRateThatDoublesIsReported() {
        let points = Self.hours(Array(repeating: (500, 40), count: 5) + Array(repeating: (500, 80), count: 5))
        let warning = DriftCheck.warning(arm: "bold", points: points)
        #expect(warning?.contains("bold") == true)
        #expect(warning?.contains("8.0%") == true, "\(warning ?? "")")
        #expect(warning?.contains("16.0%") == true)
    }

    @Test func tooFewViewsSayNothing() {
        let points = Self.hours([(50, 0), (50, 40)])
        #expect(DriftCheck.test(points) == nil)
    }

    @Test func theOrderOfHoursDoesNotMatter() {
        let ordered = Self.hours(Array(repeating: (500, 40), count: 5) + Array(repeating: (500, 80), count: 5))
        let shuffled = Array(ordered.reversed())
        #expect(DriftCheck.test(shuffled)?.before == DriftCheck.test(ordered)?.before)
    }
}
