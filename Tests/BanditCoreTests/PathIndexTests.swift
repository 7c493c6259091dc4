import Testing

@testable import BanditCore

/// The lookup that spares a request a scan of every experiment must never miss one.
@Suite struct PathIndexTests {
    static let segments = ["", "a", "blog", "b", "contact", "x y", "é", "e\u{301}", "%2F", "blog2"]

    static func randomPath(_ rng: inout SplitMix64) -> String {
        let depth = Int(rng.next() % 4)
        var path = ""
        for _ in 0...depth { path += "/" + segments[Int(rng.next() % UInt64(segments.count))] }
        if rng.next() % 3 == 0 { path += "/" }
        return path
    }

    @Test func everyMatchingPatternIsACandidate() {
        var rng = SplitMix64(seed: 21)
        var patterns: [(pattern: PathPattern, experiment: Int)] = []
        for experiment in 0..<300 {
            let path = Self.randomPath(&rng)
            let pattern = PathPattern(rng.next() % 2 == 0 ? path + "*" : path)
            patterns.append((pattern, experiment))
        }
        let index = PathIndex(patterns)
        var checked = 0
        for _ in 0..<3_000 {
            let path = PathPattern.normalise(Substring(Self.randomPath(&rng)))
            var candidates: [Int] = []
            index.candidates(path, into: &candidates)
            for (pattern, experiment) in patterns where pattern.matches(normalisedPath: path) {
                #expect(candidates.contains(experiment), "\(pattern) matches \(path) but was not proposed")
                checked += 1
            }
        }
        #expect(checked > 500, "the generator produces matches (\(checked))")
    }

    @Test func aPathThatMatchesNothingGetsFewCandidates() {
        let patterns = (0..<1_000).map { (pattern: PathPattern("/page-\($0)/"), experiment: $0) }
        var candidates: [Int] = []
        PathIndex(patterns).candidates("/somewhere/else", into: &candidates)
        #expect(candidates.isEmpty)
        PathIndex(patterns).candidates("/page-512", into: &candidates)
        #expect(candidates == [512])
    }

    /// Forty experiments (enough for the index): each counts only on its own pages, and a
    /// session's arms travel with it to every page.
    @Test func anIndexedEngineCountsExactlyAsAScanWould() {
        var experiments = (0..<40).map { index in
            ExperimentConfig(
                name: "e\(index)", source: PathPattern("/p\(index)/"), target: PathPattern("/g\(index)/"),
                arms: ["a", "b"], algorithm: .uniform)
        }
        experiments[39].source = PathPattern("/blog/*")
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            session: SessionSettings(secret: "index-secret-12345"),
            experiments: experiments)
        let engine = ExperimentEngine(config: config, secret: "index-secret-12345")
        var rng = SplitMix64(seed: 5)
        var cookie: String?
        func visit(_ uri: String) -> Decision {
            let decision = engine.decide(
                RequestFacts(uri: uri, cookieHeaders: cookie.map { [$0] } ?? []), using: &rng)
            engine.commit(decision, status: 200)
            if let set = decision.cookie(forStatus: 200) { cookie = String(set.split(separator: ";")[0]) }
            return decision
        }
        #expect(visit("/nowhere").headers.isEmpty)
        #expect(visit("/p7/").headers.map(\.name) == ["X-Bandit-e7"])
        #expect(visit("/blog/hello").headers.map(\.name) == ["X-Bandit-e7", "X-Bandit-e39"])
        #expect(visit("/elsewhere").headers.map(\.name) == ["X-Bandit-e7", "X-Bandit-e39"], "arms travel")
        _ = visit("/g7")
        let views = engine.experiments.map { $0.counts.reduce(0) { $0 + $1.views } }
        let conversions = engine.experiments.map { $0.counts.reduce(0) { $0 + $1.conversions } }
        #expect(views.enumerated().filter { $0.element > 0 }.map(\.offset) == [7, 39])
        #expect(conversions.enumerated().filter { $0.element > 0 }.map(\.offset) == [7])
    }
}
