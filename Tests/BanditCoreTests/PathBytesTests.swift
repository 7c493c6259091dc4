import Testing

@testable import BanditCore

/// Regressions found by `PathPatternProperties` and `ExperimentParameterProperties`.
///
/// Paths and queries used to be cut and compared as Swift `Character`s. A combining mark
/// right after `/`, `?`, `&` or `=` fuses with it into another Character, so the delimiter
/// went unseen although the upstream, which reads bytes, sees it. And normalising stripped
/// only one trailing slash, so normalising twice changed "/a//" again.
@Suite struct PathBytesTests {
    @Test(arguments: [
        ("/contact//", "/contact"), ("/a///?x", "/a"), ("//", "/"), ("/a?\u{301}b", "/a"), ("/a#\u{301}", "/a"),
        ("/a/\u{301}", "/a/\u{301}"),
    ])
    func normalisingCutsAtBytesAndStripsEveryTrailingSlash(target: String, expected: String) {
        let once = PathPattern.normalise(Substring(target))
        #expect(once == expected)
        #expect(PathPattern.normalise(Substring(once)) == once)
    }

    @Test func prefixesCompareBytes() {
        #expect(PathPattern("/blog/*").matches(normalisedPath: PathPattern.normalise("/blog/\u{301}x")))
        #expect(PathPattern("/blog//*").matches(normalisedPath: PathPattern.normalise("/blog//")))
        #expect(PathPattern("/contact//").matches(normalisedPath: PathPattern.normalise("/contact/")))
        let rules = ExclusionRules(ExcludeRules(paths: ["/static/"]))
        #expect(rules.excludes(path: "/static/\u{301}app.js", userAgent: nil))
    }

    @Test(arguments: ["/pricing/?\u{301}&cta=green", "/pricing/?a=1&\u{301}=2&cta=green", "/pricing/?cta=\u{301}green"])
    func aClientsOwnParameterIsRemovedWhateverFollowsTheDelimiter(target: String) throws {
        let engine = ExperimentEngine(config: ExperimentEngineTests.config, secret: "engine-secret-123456")
        var rng = SplitMix64(seed: 3)
        let decision = engine.decide(RequestFacts(uri: target), using: &rng)
        let arm = try #require(decision.served.first { $0.experiment == "cta" }?.arm)
        let sent = ParameterGen.queryItems(decision.rewrittenURI ?? target).filter { $0.name == "cta" }
        #expect(sent.map(\.value) == [arm], "\(decision.rewrittenURI ?? target)")
    }

    @Test func aForcingSwitchIsRemovedWhateverFollowsItsEqualsSign() {
        let engine = ExperimentEngine(config: ExperimentEngineTests.config, secret: "engine-secret-123456")
        var rng = SplitMix64(seed: 4)
        let decision = engine.decide(RequestFacts(uri: "/about/?bandit_force_cta=\u{301}green&x=1"), using: &rng)
        #expect(decision.rewrittenURI == "/about/?x=1")
        #expect(decision.served.isEmpty, "not an arm, so nothing is forced")
    }
}
