import Testing

@testable import BanditCore

/// `WinnerRule` on fixed counts: what it decides, and what it tells the dashboard.
@Suite struct WinnerRuleTests {
    let rule = WinnerRule(significance: 0.05, minViews: 100)

    func arms(_ pairs: (views: Int, conversions: Int)...) -> [ArmCounts] {
        pairs.map { ArmCounts(views: $0.views, conversions: $0.conversions) }
    }

    @Test func aClearDifferenceHasAWinnerAndEqualArmsDoNot() {
        #expect(rule.verdict(arms((1000, 40), (1000, 80))) == .winner(1))
        #expect(rule.verdict(arms((1000, 80), (1000, 40))) == .winner(0))
        #expect(rule.verdict(arms((1000, 60), (1000, 60))) == nil)
        #expect(rule.winner(arms((1000, 40), (1000, 80), (1000, 41))) == 1, "the best beats each other arm")
        #expect(rule.winner(arms((1000, 40), (1000, 80), (1000, 78))) == nil, "not yet the runner-up")
    }

    @Test func nothingIsDecidedBeforeTheMinimums() {
        #expect(WinnerRule(significance: 0.05, minViews: 3000).verdict(arms((1000, 40), (1000, 80))) == nil)
        #expect(rule.verdict(arms((5000, 200), (20, 15))) == nil, "an arm under 30 views")
        #expect(rule.verdict(arms((1000, 40))) == nil, "one arm")
    }

    @Test func armsShownCloserThanTheEffectEndWithoutAWinner() {
        let tight = WinnerRule(significance: 0.05, minViews: 100, minDetectableEffect: .absolute(0.02))
        #expect(tight.verdict(arms((40_000, 4000), (40_000, 4010))) == .noMeaningfulDifference)
        #expect(tight.verdict(arms((2000, 200), (2000, 201))) == nil, "too few views to rule out 2 points")
    }

    @Test func progressEstimatesTheSessionsStillNeeded() throws {
        let early = rule.progress(arms((1000, 100), (1000, 120)))
        #expect(early.leader == 1)
        #expect(early.evidence > 0 && early.evidence < 1)
        let needed = try #require(early.sessionsNeeded)
        #expect(needed > 1000 && needed < 100_000, "\(needed)")
        // Going on at the same rates, the estimate is right to within a few percent.
        let later = Double(2000 + needed) / 2
        let reached = rule.progress(arms((Int(later), Int(later * 0.1)), (Int(later * 1.02), Int(later * 0.12 * 1.02))))
        #expect(reached.evidence > 0.8, "\(reached)")
        #expect(rule.progress(arms((1000, 40), (1000, 80))).sessionsNeeded == 0, "decided now")
    }

    @Test func aStarvedArmIsNamed() {
        let progress = rule.progress(arms((10, 0), (5000, 500)))
        #expect(progress.starvedArm == 0)
    }
}
