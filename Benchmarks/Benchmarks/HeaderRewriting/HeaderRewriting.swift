import BanditCore
import BanditProxy
import Benchmark
import NIOHTTP1

/// The upstream request head the proxy builds from a client's (hop-by-hop headers out,
/// spoofed experiment headers out, ours in, X-Forwarded-*), and the whole request phase.
///
/// Every iteration is one request; with `.kilo` scaling each value is per request.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    let secret = "benchmark-secret-0123456789"
    let engine = ExperimentEngine(
        config: ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 8000),
            session: SessionSettings(secret: secret),
            experiments: [
                ExperimentConfig(
                    name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"),
                    arms: ["control", "bold"], algorithm: .thompson, injection: .header("X-Bandit-Headline")),
                ExperimentConfig(
                    name: "cta", source: PathPattern("/pricing/"), target: PathPattern("/signup/"),
                    arms: ["plain", "green", "red"], algorithm: .uniform, injection: .query("cta")),
            ]),
        secret: secret)

    // A returning visitor's cookie: assigned and counted on a first visit to "/", the view
    // confirmed on the second; later visits leave it as it is.
    var setupRNG = SplitMix64(seed: 99)
    var sessionCookie = ""
    for _ in 0..<2 {
        let visit = engine.decide(RequestFacts(uri: "/", cookieHeaders: [sessionCookie]), using: &setupRNG)
        engine.commit(visit, status: 200)
        sessionCookie = visit.cookie(forStatus: 200).map { String($0.prefix { $0 != ";" }) } ?? sessionCookie
    }
    precondition(
        engine.decide(RequestFacts(uri: "/", cookieHeaders: [sessionCookie]), using: &setupRNG).cookie(forStatus: 200)
            == nil, "the returning visitor's cookie still changes")

    /// What a browser sends on a kept-alive connection.
    let browserHead = HTTPRequestHead(
        version: .http1_1, method: .GET, uri: "/",
        headers: HTTPHeaders([
            ("Host", "www.example.com"),
            ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en-GB,en;q=0.5"),
            ("Accept-Encoding", "gzip, deflate, br, zstd"),
            ("Connection", "keep-alive"),
            ("Cookie", "theme=dark; _ga=GA1.1.123456789.1700000000; " + sessionCookie),
            ("Upgrade-Insecure-Requests", "1"),
            ("Sec-Fetch-Dest", "document"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-Site", "none"),
            ("Priority", "u=0, i"),
        ]))
    let injected = [(name: "X-Bandit-Headline", value: "bold")]

    Benchmark("Upstream head, browser GET (12 headers, 1 injected)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                UpstreamRequest.head(
                    from: browserHead, uri: browserHead.uri, isExperimentHeader: { engine.isExperimentHeader($0) },
                    injected: injected, clientAddress: "203.0.113.7", clientIsTrusted: false, upstreamHost: nil))
        }
    }

    Benchmark("Request phase, returning visitor: facts + decide + upstream head + commit + cookie") { benchmark in
        var rng = SplitMix64(seed: 1)
        for _ in benchmark.scaledIterations {
            // As ProxyHandler.startExchange and the response phase do it.
            let facts = RequestFacts(
                method: browserHead.method.rawValue, uri: browserHead.uri,
                cookieHeaders: browserHead.headers["cookie"],
                userAgent: browserHead.headers.first(name: "user-agent"), isHTTPS: false)
            let decision = engine.decide(facts, using: &rng)
            let head = UpstreamRequest.head(
                from: browserHead, uri: decision.rewrittenURI ?? browserHead.uri,
                isExperimentHeader: { engine.isExperimentHeader($0) }, injected: decision.headers,
                clientAddress: "203.0.113.7", clientIsTrusted: false, upstreamHost: nil)
            engine.commit(decision, status: 200)
            blackHole(head)
            blackHole(decision.cookie(forStatus: 200))
        }
    }
}
