import BanditHTML
import Testing

@testable import BanditCore

/// Goals reached on the page (`{"click": …}`, `{"submit": …}`): how `target` reads them, every
/// mistake named by its key path, and which requests carry the goal script.
@Suite struct ElementGoalTests {
    static let secret = "goal-secret-0123456789"
    var rng = SplitMix64(seed: 7)

    func parse(target: String) throws(ConfigErrors) -> ExperimentConfig {
        let text = #"""
            {"upstream": "http://127.0.0.1:8000", "experiments": [
              {"name": "headline", "source": "/", "target": \#(target)}]}
            """#
        return try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/srv", environment: [:]).experiments[0]
    }

    func problems(target: String) -> [String] {
        do {
            _ = try parse(target: target)
            return []
        } catch {
            return error.errors.map { "\($0.keyPath): \($0.message)" }
        }
    }

    @Test func clickAndSubmitGoalsStandBesidePathGoals() throws {
        let experiment = try parse(
            target: #"["/thanks/", {"click": "a.cta"}, {"submit": "form#signup"}, {"path": "/x", "method": "POST"}]"#)
        #expect(experiment.goals.map(\.description) == ["/thanks", "POST /x"])
        #expect(
            experiment.elementGoals == [
                ElementGoal(.click, try HTMLSelector(parsing: "a.cta")),
                ElementGoal(.submit, try HTMLSelector(parsing: "form#signup")),
            ])
        #expect(experiment.goalDescriptions == ["/thanks", "POST /x", "click a.cta", "submit form#signup"])
    }

    @Test func anExperimentMayHaveOnlyAClickGoal() throws {
        let experiment = try parse(target: #"{"click": "main a.cta[data-plan=pro]"}"#)
        #expect(experiment.goals.isEmpty)
        #expect(experiment.target == nil)
        #expect(experiment.goalDescriptions == ["click main a.cta[data-plan=pro]"])
        let report = ExperimentReport(ExperimentRuntime(config: experiment, index: 0))
        #expect(report.target == "click main a.cta[data-plan=pro]")
        #expect(report.goalScript == ExperimentReport.GoalScriptReport(pages: 0, blockedByContentSecurityPolicy: 0))
    }

    @Test(arguments: [
        (#"{"click": "a."}"#, "experiments[0].target.click: expected a class name after \".\""),
        (#"[{"submit": "form:first"}]"#, "experiments[0].target[0].submit: pseudo-classes"),
        (#"["/t", {"click": ""}]"#, "experiments[0].target[1].click: the selector is empty"),
        (#"[{"click": 3}]"#, "experiments[0].target[0].click: "),
        (#"[{"click": "a", "submit": "form"}]"#, "experiments[0].target[0]: names both click and submit"),
        (#"[{"click": "a", "path": "/x"}]"#, "experiments[0].target[0].path: does not go with click"),
        (#"[{"submit": "form", "status": "2xx"}]"#, "experiments[0].target[0].status: does not go with submit"),
        (#"[{"click": "a", "colour": "red"}]"#, "experiments[0].target[0].colour: unknown key"),
        (#"[{"method": "POST"}]"#, "experiments[0].target[0].path: is required"),
    ])
    func mistakesAreNamedByKeyPath(target: String, expected: String) {
        let found = problems(target: target)
        #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
    }

    static func engine() throws -> ExperimentEngine {
        var experiment = ExperimentConfig(
            name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"],
            algorithm: .uniform)
        experiment.elementGoals = [ElementGoal(.click, try HTMLSelector(parsing: "a.cta"))]
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000), session: SessionSettings(secret: secret),
            experiments: [experiment])
        return ExperimentEngine(config: config, secret: secret)
    }

    mutating func visit(_ engine: ExperimentEngine, _ uri: String, cookie: String? = nil) -> (Decision, String?) {
        let decision = engine.decide(RequestFacts(uri: uri, cookieHeaders: cookie.map { [$0] } ?? []), using: &rng)
        engine.commit(decision, status: 200)
        return (decision, decision.cookie(forStatus: 200).map { String($0.split(separator: ";")[0]) } ?? cookie)
    }

    /// The script goes to pages of sessions that may still convert: from the view (on the
    /// source page itself) on, on any page, until the conversion.
    @Test mutating func theGoalScriptGoesToViewedSessionsUntilTheyConvert() throws {
        let engine = try Self.engine()
        let (outsider, _) = visit(engine, "/about/")
        #expect(outsider.goalScriptExperiments.isEmpty, "not in the experiment")
        let (source, cookie) = visit(engine, "/")
        #expect(source.goalScriptExperiments == [0], "the source page, whose view this request counts")
        #expect(source.mayEditPage)
        let (other, _) = visit(engine, "/pricing/", cookie: cookie)
        #expect(other.goalScriptExperiments == [0], "any page of the site")

        let beacon = RequestFacts(
            method: "POST", uri: "/__bandits/convert?experiment=headline", cookieHeaders: [cookie!])
        guard case .counted(let setCookie) = engine.convertByBeacon(experiment: "headline", beacon) else {
            Issue.record("the beacon must count")
            return
        }
        let converted = String(setCookie.split(separator: ";")[0])
        let (after, _) = visit(engine, "/pricing/", cookie: converted)
        #expect(after.goalScriptExperiments.isEmpty, "a converted session needs the script no more")
        #expect(!after.mayEditPage)
    }

    @Test mutating func forcedSessionsThatAreNotCountedGetNoScript() throws {
        let engine = try Self.engine()
        let (forced, _) = visit(engine, "/?bandit_force_headline=bold")
        #expect(forced.goalScriptExperiments.isEmpty)
        let (recorded, _) = visit(engine, "/?bandit_force_headline=bold&bandit_record=1")
        #expect(recorded.goalScriptExperiments == [0], "a recorded QA session counts, so it gets the script")
    }
}
