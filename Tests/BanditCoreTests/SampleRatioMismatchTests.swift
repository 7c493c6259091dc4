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
}
