import Testing

@testable import BanditCore

@Suite struct SampleRatioMismatchTests {
    /// Reference values from scipy.stats.chi2.sf.
    @Test(arguments: [
        (3.84, 1, 0.05004352124870519), (10.0, 3, 0.01856613546304325), (0.5, 4, 0.9735009788392561),
        (40.0, 1, 2.5396285894708634e-10),
    ])
    func chiSquareTail(x: Double, degrees: Int, expected: Double) {
        let value = ChiSquare.survival(x, degreesOfFreedom: degrees)
        #expect(abs(value - expected) <= max(1e-9, expected * 1e-6), "\(value) vs \(expected)")
    }

    /// Reference values from scipy.stats.chisquare.
    @Test func pValuesMatchAnIndependentImplementation() {
        #expect(
            abs(
                SampleRatioMismatch.pValue(observed: [5300, 4700], expectedShares: [0.5, 0.5]) - 1.9731752900753933e-09)
                < 1e-12)
        #expect(
            abs(SampleRatioMismatch.pValue(observed: [510, 490], expectedShares: [0.5, 0.5]) - 0.5270892568655381)
                < 1e-9)
        let three = SampleRatioMismatch.pValue(observed: [120, 100, 80], expectedShares: [1.0 / 3, 1.0 / 3, 1.0 / 3])
        #expect(abs(three - 0.018315638888734182) < 1e-9)
    }

    @Test func onlyAClearMismatchWarns() {
        #expect(SampleRatioMismatch.warning(views: [510, 490], expectedShares: [0.5, 0.5]) == nil)
        #expect(SampleRatioMismatch.warning(views: [60, 30], expectedShares: [0.5, 0.5]) == nil, "too few views")
        let warning = SampleRatioMismatch.warning(views: [5300, 4700], expectedShares: [0.5, 0.5])
        #expect(warning?.contains("5300 / 4700") == true)
        #expect(warning?.contains("50% / 50%") == true)
    }

    /// Checked every 50 views for 20,000 views, on 1,000 clean 50/50 experiments: the chi-square
    /// test at p < 0.001 re-run at every look raises false alarms far above 0.1%; the mixture
    /// test stays at or below 0.1% (+3 s.e.). Both then find a 51.5/48.5 split.
    @Test func theSequentialTestKeepsItsFalseAlarmRateUnderContinuousMonitoring() async {
        let (chiSquare, mixture) = await inBackground {
            var rng = Xoshiro256(seed: 0x5A4)
            var alarms = (chiSquare: 0, mixture: 0)
            for _ in 0..<1000 {
                var views = [0, 0]
                var raised = (chiSquare: false, mixture: false)
                for view in 1...20_000 {
                    views[Int(rng.next() & 1)] += 1
                    guard view % 50 == 0 else { continue }
                    if !raised.chiSquare, view >= 100,
                        SampleRatioMismatch.pValue(observed: views, expectedShares: [0.5, 0.5]) < 0.001
                    {
                        raised.chiSquare = true
                    }
                    if !raised.mixture, SampleRatioMismatch.warning(views: views, expectedShares: [0.5, 0.5]) != nil {
                        raised.mixture = true
                    }
                }
                if raised.chiSquare { alarms.chiSquare += 1 }
                if raised.mixture { alarms.mixture += 1 }
            }
            return (Double(alarms.chiSquare) / 1000, Double(alarms.mixture) / 1000)
        }
        print("SRM false alarms over 1,000 clean experiments: chi-square re-run \(chiSquare), mixture \(mixture)")
        #expect(mixture <= 0.001 + 3 * (0.001 * 0.999 / 1000).squareRoot())
        #expect(chiSquare > 3 * mixture + 0.005, "the harness sees the chi-square test's peeking")
        #expect(SampleRatioMismatch.warning(views: [10_300, 9_700], expectedShares: [0.5, 0.5]) != nil)
    }
}
