import Testing

@testable import BanditCore

/// Regression found by `ConfigLoaderProperties`: weights of 1e400 (which JSON reads as
/// infinity) or so large that their total overflowed loaded as NaN or 0 shares, so every
/// new session went to the last arm. Infinity is now refused at its key path, and huge
/// finite weights keep their ratio.
@Suite struct HugeWeightsTests {
    func load(_ weights: String) throws(ConfigErrors) -> ExperimentConfig {
        let text = #"""
            {"upstream": "http://app", "experiments": [{"name": "e", "source": "/", "target": "/t",
             "algorithm": "uniform", "arms": ["a", "b"], "weights": \#(weights)}]}
            """#
        return try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/srv").experiments[0]
    }

    @Test func weightsNearTheLargestDoubleKeepTheirRatio() throws {
        #expect(try load("[1e308, 1e308]").weights == [0.5, 0.5])
        #expect(try load("[1.5e308, 0.5e308]").weights == [0.75, 0.25])
    }

    @Test(arguments: [("[1e400, 1]", "experiments[0].weights[0]"), (#"{"b": 1e999}"#, "experiments[0].weights.b")])
    func anInfiniteWeightIsRefusedAtItsKeyPath(weights: String, keyPath: String) {
        do {
            let experiment = try load(weights)
            Issue.record("accepted with shares \(experiment.weights ?? [])")
        } catch {
            #expect(error.errors.map(\.keyPath) == [keyPath], "\(error)")
        }
    }
}
