import Testing

@testable import BanditCore

/// `proxy.json` keys for coverage, splits, floors, goals and attribution windows.
@Suite struct ExperimentRulesConfigTests {
    func parse(_ experiment: String) throws(ConfigErrors) -> ExperimentConfig {
        let text =
            #"{"upstream": "http://127.0.0.1:8000", "experiments": [{"name": "a", "source": "/", \#(experiment)}]}"#
        return try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/srv", environment: [:]).experiments[0]
    }

    func error(_ experiment: String, at keyPath: String) -> String? {
        do {
            _ = try parse(experiment)
            Issue.record("expected \(experiment) to be refused")
            return nil
        } catch {
            return error.error(at: keyPath)?.message
        }
    }

    @Test func everyRuleReadsIntoTheModel() throws {
        let experiment = try parse(
            #"""
            "target": ["/thanks/", {"path": "/signup/", "method": "post", "status": "2xx"}, {"path": "/", "method": "POST"}],
            "algorithm": "uniform", "arms": ["control", "bold"], "weights": [4, 1], "coverage": 0.25,
            "attributionWindow": "7d"
            """#)
        #expect(
            experiment.goals == [
                Goal(path: PathPattern("/thanks/")),
                Goal(path: PathPattern("/signup/"), method: "POST", statuses: 200...299),
                Goal(path: PathPattern("/"), method: "POST"),
            ])
        #expect(experiment.target == PathPattern("/thanks/"))
        #expect(experiment.weights == [0.8, 0.2])
        #expect(experiment.coverage == 0.25)
        #expect(experiment.attributionWindowSeconds == 7 * 86_400)
        #expect(experiment.goals.map(\.description) == ["/thanks", "POST /signup 2xx", "POST /"])
    }

    @Test func floorsAndWeightsByArmName() throws {
        let floored = try parse(#""target": "/t", "arms": ["a", "b", "c"], "minShare": {"a": 0.1}"#)
        #expect(floored.minShares == [0.1, 0, 0])
        let even = try parse(#""target": "/t", "arms": ["a", "b", "c"], "minShare": 0.05"#)
        #expect(even.minShares == [0.05, 0.05, 0.05])
        let weighted = try parse(#""target": "/t", "algorithm": "uniform", "arms": ["a", "b"], "weights": {"b": 1}"#)
        #expect(weighted.weights == [0, 1])
        #expect(try parse(#""target": "/t", "attributionWindow": 90"#).attributionWindowSeconds == 90)
        #expect(try parse(#""target": "/t""#).coverage == 1)
    }

    @Test(arguments: [
        (#""target": "/t", "weights": [1, 1]"#, "experiments[0].weights", "uniform only"),
        (#""target": "/t", "algorithm": "uniform", "weights": [1, 1, 1]"#, "experiments[0].weights", "3 values for 2"),
        (#""target": "/t", "algorithm": "uniform", "weights": [0, 0]"#, "experiments[0].weights", "all 0"),
        (#""target": "/t", "algorithm": "uniform", "weights": {"c": 1}"#, "experiments[0].weights.c", "not one of"),
        (#""target": "/t", "minShare": 0.6"#, "experiments[0].minShare", "at most 1"),
        (#""target": "/t", "algorithm": "uniform", "minShare": 0.1"#, "experiments[0].minShare", "does not apply"),
        (#""target": "/t", "coverage": 0"#, "experiments[0].coverage", "above 0"),
        (#""target": "/t", "coverage": 1.5"#, "experiments[0].coverage", "at most 1"),
        (#""target": "/t", "attributionWindow": "7x""#, "experiments[0].attributionWindow", "not a duration"),
        (#""target": "/t", "attributionWindow": 0"#, "experiments[0].attributionWindow", "duration"),
        (#""target": []"#, "experiments[0].target", "empty list"),
        (#""target": ["/t", 3]"#, "experiments[0].target[1]", "a path, or an object"),
        (#""target": [{"method": "POST"}]"#, "experiments[0].target[0].path", "required"),
        (#""target": [{"path": "/t", "status": "5xx"}]"#, "experiments[0].target[0].status", "below 400"),
        (#""target": [{"path": "/t", "status": "ok"}]"#, "experiments[0].target[0].status", "not a status"),
        (#""target": [{"path": "/t", "verb": "POST"}]"#, "experiments[0].target[0].verb", "unknown key"),
        (#""target": [{"path": "/t", "method": "PO ST"}]"#, "experiments[0].target[0].method", "not an HTTP method"),
        (#""target": ["/t", "/"]"#, "experiments[0].target", "same path as source"),
        (#""target": "/t", "countViews": "some""#, "experiments[0].countViews", "\"all\" or \"confirmed\""),
        (#""target": "/t", "version": 0"#, "experiments[0].version", "≥ 1"),
    ])
    func mistakesNameTheirKey(members: String, keyPath: String, fragment: String) {
        let message = error(members, at: keyPath)
        #expect(message?.contains(fragment) == true, "\(message ?? "no error at \(keyPath)")")
    }

    @Test func viewCountingAndVersion() throws {
        let experiment = try parse(#""target": "/t", "countViews": "confirmed", "version": 3"#)
        #expect(experiment.countViews == .confirmed)
        #expect(experiment.version == 3)
        #expect(try parse(#""target": "/t""#).version == 1)
    }

    @Test func aFormMayPostToItsOwnPage() throws {
        #expect(try parse(#""target": [{"path": "/", "method": "POST"}]"#).goals[0].method == "POST")
    }

    @Test func cacheSafetyCanBeTurnedOff() throws {
        let text = #"{"upstream": "http://127.0.0.1:8000", "cacheSafety": false}"#
        #expect(try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/srv", environment: [:]).cacheSafety == false)
    }
}
