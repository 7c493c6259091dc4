import BanditCore
import Benchmark

/// The engine's work for one request, as the proxy does it: `decide`, then `commit` and
/// `cookie(forStatus:)` once the upstream has answered 200.
///
/// Every iteration is one request; with `.kilo` scaling each reported value is per request.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    // The README's two experiments: a Thompson-sampled header on "/" and a uniform query
    // parameter on "/pricing/".
    let twoExperiments = Fixtures.engine(experiments: [
        ExperimentConfig(
            name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"],
            algorithm: .thompson, injection: .header("X-Bandit-Headline")),
        ExperimentConfig(
            name: "cta", source: PathPattern("/pricing/"), target: PathPattern("/signup/"),
            arms: ["plain", "green", "red"], algorithm: .uniform, injection: .query("cta")),
    ])
    // A visitor who was assigned, counted and confirmed on earlier visits to "/".
    let returningCookie = Fixtures.sessionCookie(after: "/", engine: twoExperiments)

    Benchmark("Returning visitor, source path /") { benchmark in
        var rng = SplitMix64(seed: 1)
        let facts = Fixtures.browserRequest("/", cookie: returningCookie)
        for _ in benchmark.scaledIterations {
            Fixtures.request(facts, engine: twoExperiments, rng: &rng)
        }
    }

    Benchmark("Returning visitor, source path /, 1 KB of other cookies first") { benchmark in
        var rng = SplitMix64(seed: 1)
        // Sites collect analytics and consent cookies: 25 of 40 bytes before ours.
        let others = (0..<25).map { "cookie_\($0)=abcdefghijklmnopqrstuvwxyz0123" }.joined(separator: "; ")
        var facts = Fixtures.browserRequest("/", cookie: returningCookie)
        facts.cookieHeader = others + "; " + returningCookie
        for _ in benchmark.scaledIterations {
            Fixtures.request(facts, engine: twoExperiments, rng: &rng)
        }
    }

    Benchmark("Returning visitor, page of no experiment") { benchmark in
        var rng = SplitMix64(seed: 2)
        let facts = Fixtures.browserRequest("/about/team/", cookie: returningCookie)
        for _ in benchmark.scaledIterations {
            Fixtures.request(facts, engine: twoExperiments, rng: &rng)
        }
    }

    Benchmark("New visitor, source path / (new session, Thompson pick, view, cookie)") { benchmark in
        var rng = SplitMix64(seed: 3)
        let facts = Fixtures.browserRequest("/", cookie: nil)
        for _ in benchmark.scaledIterations {
            Fixtures.request(facts, engine: twoExperiments, rng: &rng)
        }
    }

    for count in [1, 1_000] {
        // Each experiment on its own page, a tenth of them on a prefix ("/section-7/*").
        let engine = Fixtures.engine(
            experiments: (0..<count).map { index in
                let prefix = index % 10 == 9 ? "*" : ""
                return ExperimentConfig(
                    name: "experiment-\(index)", source: PathPattern("/section-\(index)/\(prefix)"),
                    target: PathPattern("/section-\(index)/done/"), arms: ["control", "variant"],
                    algorithm: .thompson, injection: .header("X-Bandit-Experiment-\(index)"))
            })
        Benchmark("No matching experiment, \(count) configured") { benchmark in
            var rng = SplitMix64(seed: 4)
            let facts = Fixtures.browserRequest("/about/team/", cookie: nil)
            for _ in benchmark.scaledIterations {
                Fixtures.request(facts, engine: engine, rng: &rng)
            }
        }
    }
}

enum Fixtures {
    static let secret = "benchmark-secret-0123456789"

    static func engine(experiments: [ExperimentConfig]) -> ExperimentEngine {
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            session: SessionSettings(secret: secret, authCookie: "sessionid"),
            experiments: experiments)
        let engine = ExperimentEngine(config: config, secret: secret)
        // The state keeper refreshes each policy's allocation in the proxy; the propensity
        // of a fresh pick is then recorded on the decision.
        for experiment in engine.experiments { experiment.refreshAllocation() }
        return engine
    }

    /// What a browser sends: the session cookie among others, a user agent.
    static func browserRequest(_ uri: String, cookie: String?) -> RequestFacts {
        var cookies = "theme=dark; _ga=GA1.1.123456789.1700000000"
        if let cookie { cookies += "; " + cookie }
        return RequestFacts(
            method: "GET", uri: uri, cookieHeaders: [cookies],
            userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
    }

    /// One request, as the proxy handles it: decide, then on a 200 commit and the Set-Cookie.
    @inline(__always)
    static func request<R: RandomNumberGenerator>(_ facts: RequestFacts, engine: ExperimentEngine, rng: inout R) {
        let decision = engine.decide(facts, using: &rng)
        engine.commit(decision, status: 200)
        blackHole(decision.cookie(forStatus: 200))
        blackHole(decision)
    }

    /// `name=value` of the session cookie once visits to `uri` no longer change it: the
    /// first visit assigns and counts a view, the second confirms the view (the cookie came
    /// back), and from then on the visitor is a steady returning one.
    static func sessionCookie(after uri: String, engine: ExperimentEngine) -> String {
        var rng = SplitMix64(seed: 99)
        var cookie: String?
        for _ in 0..<5 {
            let decision = engine.decide(browserRequest(uri, cookie: cookie), using: &rng)
            engine.commit(decision, status: 200)
            guard let setCookie = decision.cookie(forStatus: 200) else {
                guard let cookie else { fatalError("a first visit to \(uri) sets no cookie") }
                return cookie
            }
            cookie = String(setCookie.prefix { $0 != ";" })
        }
        fatalError("visits to \(uri) keep changing the session cookie")
    }
}
