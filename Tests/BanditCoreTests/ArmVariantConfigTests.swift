import BanditHTML
import Testing

@testable import BanditCore

/// `arms` given as objects: what each key means, and every mistake named by its key path.
@Suite struct ArmVariantConfigTests {
    func parse(_ arms: String, source: String = "/") throws(ConfigErrors) -> ExperimentConfig {
        let text = #"""
            {"upstream": "http://127.0.0.1:8000", "experiments": [
              {"name": "headline", "source": "\#(source)", "target": "/contact/", "arms": \#(arms)}]}
            """#
        return try ConfigLoader.parse(Array(text.utf8), baseDirectory: "/srv", environment: [:]).experiments[0]
    }

    func problems(_ arms: String, source: String = "/") -> [String] {
        do {
            _ = try parse(arms, source: source)
            return []
        } catch {
            return error.errors.map { "\($0.keyPath): \($0.message)" }
        }
    }

    @Test func stringsAndObjectsMix() throws {
        let experiment = try parse(
            #"""
            ["control", {"name": "redesign", "path": "/landing-v2/"},
             {"name": "moved", "path": "/v3/", "redirect": true},
             {"name": "new-stack", "upstream": "https://next.internal:8443"},
             {"name": "bold", "html": [{"selector": "h1#headline", "text": "Ship"}, {"selector": "a.cta", "attribute": "href", "value": "/x"}]}]
            """#)
        #expect(experiment.arms == ["control", "redesign", "moved", "new-stack", "bold"])
        #expect(
            experiment.armVariants == [
                .plain, ArmVariant(path: "/landing-v2/"), ArmVariant(path: "/v3/", redirect: true),
                ArmVariant(upstream: UpstreamURL(scheme: "https", host: "next.internal", port: 8443)),
                ArmVariant(html: [
                    HTMLEdit(selector: try HTMLSelector(parsing: "h1#headline"), action: .text("Ship")),
                    HTMLEdit(
                        selector: try HTMLSelector(parsing: "a.cta"), action: .setAttribute(name: "href", value: "/x")),
                ]),
            ])
    }

    @Test(arguments: [
        (#"["a", {"path": "/x/"}]"#, "experiments[0].arms[1].name: is required"),
        (#"["a", {"name": "b", "redirect": true}]"#, "experiments[0].arms[1].redirect: needs a path"),
        (#"["a", {"name": "b", "path": "landing"}]"#, "experiments[0].arms[1].path: \"landing\" is not a path"),
        (#"["a", {"name": "b", "path": "/x?y=1"}]"#, "experiments[0].arms[1].path: \"/x?y=1\" is not a path"),
        (
            #"["a", {"name": "b", "upstream": "ftp://x"}]"#,
            "experiments[0].arms[1].upstream: \"ftp://x\" has scheme ftp"
        ),
        (#"["a", {"name": "b", "colour": "red"}]"#, "experiments[0].arms[1].colour: unknown key"),
        (#"["a", {"name": "a"}]"#, "experiments[0].arms[1]: \"a\" appears twice"),
        (#"["a", 7]"#, "experiments[0].arms[1]: "),
        (#"[{"name": "only"}]"#, "experiments[0].arms: has 1 arm"),
        (
            #"["a", {"name": "b", "html": [{"selector": "a.", "remove": true}]}]"#,
            "experiments[0].arms[1].html[0].selector: "
        ),
        (#"["a", {"name": "b", "html": [{"selector": "h1"}]}]"#, "experiments[0].arms[1].html[0]: names no action"),
        (
            #"["a", {"name": "b", "html": [{"selector": "h1", "text": "x", "remove": true}]}]"#,
            "experiments[0].arms[1].html[0]: names 2 actions"
        ),
        (
            #"["a", {"name": "b", "html": [{"selector": "h1", "text": "x", "value": "y"}]}]"#,
            "experiments[0].arms[1].html[0].value: goes with"
        ),
        (
            #"["a", {"name": "b", "html": [{"selector": "a", "attribute": "href"}]}]"#,
            "experiments[0].arms[1].html[0].value: is required"
        ),
        (#"["a", {"name": "b", "html": [{"text": "x"}]}]"#, "experiments[0].arms[1].html[0].selector: is required"),
    ])
    func mistakesAreNamedByKeyPath(arms: String, expected: String) {
        let found = problems(arms)
        #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
    }

    @Test func aPathArmNeedsAnExactSource() {
        let found = problems(#"["a", {"name": "b", "path": "/v2/"}]"#, source: "/blog/*")
        #expect(found.contains { $0.hasPrefix("experiments[0].arms[1].path: needs an exact source path") }, "\(found)")
    }
}
