import Testing

@testable import BanditCore

/// A client's own copy of an experiment header is recognised in any letter case, whatever
/// the length of the name; other names are not.
@Suite struct ExperimentHeaderTests {
    static let longName = "X-" + String(repeating: "Very-Long-Experiment-Header-", count: 3) + "Name"

    let engine = ExperimentEngine(
        config: ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            session: SessionSettings(secret: "engine-secret-123456"),
            experiments: [
                ExperimentConfig(
                    name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"),
                    arms: ["control", "bold"], injection: .header("X-Bandit-Headline")),
                ExperimentConfig(
                    name: "long", source: PathPattern("/long/"), target: PathPattern("/contact/"),
                    arms: ["control", "bold"], injection: .header(Self.longName)),
            ]),
        secret: "engine-secret-123456")

    private func isExperimentHeader(_ name: String) -> Bool {
        Array(name.utf8).withUnsafeBytes { engine.isExperimentHeader(utf8: $0) }
    }

    @Test func experimentHeadersAreRecognisedInAnyCase() {
        #expect(Self.longName.utf8.count >= 64)
        #expect(isExperimentHeader("X-Bandit-Headline"))
        #expect(isExperimentHeader("x-BANDIT-headline"))
        #expect(isExperimentHeader(Self.longName.uppercased()))
    }

    @Test(arguments: ["X-Bandit-Headlinf", "X-Bandit-Headline2", "Cookie", "", String(Self.longName.dropLast())])
    func otherNamesAreNot(name: String) {
        #expect(!isExperimentHeader(name))
    }
}
