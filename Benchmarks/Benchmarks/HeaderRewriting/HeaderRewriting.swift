import BanditCore
@_spi(Benchmarks) import BanditProxy
import Benchmark
import NIOCore

/// The client's request head read in place, the upstream request head the proxy writes from
/// it (hop-by-hop headers out, spoofed experiment headers out, ours in, X-Forwarded-*), and
/// the whole request phase.
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

    /// What a browser sends on a kept-alive connection, parsed once as the proxy reads it.
    let browserText =
        "GET / HTTP/1.1\r\nHost: www.example.com\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
        + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
        + "Accept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
        + "Connection: keep-alive\r\n"
        + "Cookie: theme=dark; _ga=GA1.1.123456789.1700000000; \(sessionCookie)\r\n"
        + "Upgrade-Insecure-Requests: 1\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n"
        + "Sec-Fetch-Site: none\r\nPriority: u=0, i\r\n\r\n"
    let browserBytes = ByteBuffer(string: browserText)
    var searchFrom = 0
    let browserHead = try! RequestHeadParser.parse(browserBytes, maxBytes: 1 << 16, searchFrom: &searchFrom)!
    let injected = [ServedArm.header("X-Bandit-Headline", arm: "bold", experiment: "headline")]
    let allocator = ByteBufferAllocator()

    Benchmark("Request head parsed in place, browser GET (12 headers)") { benchmark in
        for _ in benchmark.scaledIterations {
            var searchFrom = 0
            blackHole(try RequestHeadParser.parse(browserBytes, maxBytes: 1 << 16, searchFrom: &searchFrom))
        }
    }

    // Into one buffer cleared each time, as the proxy's per-loop `HeadBuffers` give them.
    Benchmark("Upstream head written, browser GET (12 headers, 1 injected)") { benchmark in
        var out = allocator.buffer(capacity: 2048)
        for _ in benchmark.scaledIterations {
            out.clear()
            UpstreamRequest.head(
                from: browserHead, uri: browserHead.uri,
                isExperimentHeader: { engine.isExperimentHeader(utf8: $0) }, injected: injected,
                clientAddress: "203.0.113.7", clientIsTrusted: false, upstreamHost: nil, upgrade: nil, into: &out)
            blackHole(out)
        }
    }

    Benchmark("Request phase, returning visitor: parse + facts + decide + upstream head + commit + cookie") {
        benchmark in
        var rng = Xoshiro256(seed: 1)
        var memo = DecodedCookieMemo()
        var upstreamHead = allocator.buffer(capacity: 2048)
        for _ in benchmark.scaledIterations {
            // As ProxyHandler.startExchange and the response phase do it.
            var searchFrom = 0
            let head = try RequestHeadParser.parse(browserBytes, maxBytes: 1 << 16, searchFrom: &searchFrom)!
            let decision = engine.decide(
                head.facts(clientIsTrusted: false, readingUserAgent: engine.readsUserAgent), using: &rng,
                cookieMemo: &memo)
            upstreamHead.clear()
            UpstreamRequest.head(
                from: head, uri: decision.rewrittenURI ?? head.uri,
                isExperimentHeader: { engine.isExperimentHeader(utf8: $0) }, injected: decision.served,
                clientAddress: "203.0.113.7", clientIsTrusted: false, upstreamHost: nil, upgrade: nil,
                into: &upstreamHead)
            engine.commit(decision, status: 200)
            blackHole(upstreamHead)
            blackHole(decision.cookie(forStatus: 200))
        }
    }
}
