import BanditCore
import Foundation
import Logging
import Testing

@testable import BanditProxy

@Suite struct ProxyBasicsTests {
    @Test func hopByHopHeadersAreRemovedAndForwardedForAppended() async throws {
        try await withProxy(
            await ProxyHarness.start { _ in
                .init(headers: [
                    ("Connection", "X-Internal"), ("X-Internal", "secret"), ("Keep-Alive", "timeout=5"),
                    ("X-Kept", "yes"),
                ])
            }
        ) { harness in
            let response = try await harness.get(
                "/about/",
                headers: [
                    ("Connection", "keep-alive, X-Drop-Me"), ("X-Drop-Me", "1"), ("Keep-Alive", "timeout=1"),
                    ("Proxy-Authorization", "Basic abc"), ("X-Forwarded-For", "203.0.113.9"), ("X-Custom", "kept"),
                    ("TE", "trailers, deflate"),
                ])
            let seen = try #require(harness.upstream.requests.last)
            #expect(seen.header("X-Drop-Me") == nil)
            #expect(seen.header("Keep-Alive") == nil)
            #expect(seen.header("Proxy-Authorization") == nil)
            #expect(seen.header("X-Custom") == "kept")
            #expect(seen.headers("TE") == ["trailers"], "TE is hop-by-hop, but trailers support is passed on")
            #expect(seen.header("X-Forwarded-For") == "203.0.113.9, 127.0.0.1")
            #expect(seen.header("X-Forwarded-Proto") == "http")
            #expect(seen.header("Host") == "127.0.0.1:\(harness.port)", "the client's Host goes upstream")
            #expect(response.header("X-Internal") == nil)
            #expect(response.header("Keep-Alive") == nil)
            #expect(response.header("X-Kept") == "yes")
        }
    }

    @Test func requestBodiesReachTheUpstreamIntact() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let payload = String(repeating: "0123456789abcdef", count: 64 * 1024)  // 1 MiB
            let response = try await harness.get("/upload", method: "POST", body: payload)
            #expect(response.status == 200)
            let seen = try #require(harness.upstream.requests.last)
            #expect(seen.method == "POST")
            #expect(seen.body.count == payload.utf8.count)
            #expect(seen.body == Array(payload.utf8))
        }
    }

    @Test func bodiesOverTheLimitGet413AndNeverReachTheUpstream() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.maxRequestBodyBytes = 1000 })) { harness in
            let declared = try await harness.get("/upload", method: "POST", body: String(repeating: "x", count: 1001))
            #expect(declared.status == 413)
            #expect(harness.upstream.requests.isEmpty)
            let chunked = try await RawConnection.exchange(
                port: harness.port,
                send: "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3e8\r\n\(String(repeating: "y", count: 1000))\r\n" + "a\r\n0123456789\r\n0\r\n\r\n")
            #expect(chunked.hasPrefix("HTTP/1.1 413"), "\(chunked.prefix(60))")
            #expect(harness.upstream.requests.allSatisfy { $0.body.count <= 1000 })
            #expect(try await harness.get("/upload", method: "POST", body: "small").status == 200)
        }
    }

    /// The refusal is sent while the client is still sending: closing a socket with unread
    /// bytes makes the kernel answer with a reset that can destroy the 413 on its way. The
    /// proxy stops sending, reads and discards what follows, and closes once the client has.
    @Test(arguments: [false, true])
    func aClientStillSendingAnOversizedBodyReadsThe413(chunked: Bool) async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.maxRequestBodyBytes = 1000 })) { harness in
            let body = String(repeating: "z", count: 512 * 1024)
            let request =
                chunked
                ? "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "\(String(body.utf8.count, radix: 16))\r\n\(body)\r\n0\r\n\r\n"
                : "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            for _ in 0..<5 {
                let (answer, serverClosed) = try await RawConnection.exchangeUntilClosed(
                    port: harness.port, send: request, timeout: .seconds(30))
                #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(60))")
                #expect(serverClosed)
            }
            #expect(harness.upstream.requests.isEmpty)
        }
    }

    @Test func largeResponsesStreamBackWhole() async throws {
        let big = String(repeating: "x", count: 3 * 1024 * 1024)
        try await withProxy(await ProxyHarness.start { _ in .init(body: big) }) { harness in
            let response = try await harness.get("/big")
            #expect(response.body.utf8.count == big.utf8.count)
        }
    }

    @Test(arguments: [204, 304])
    func bodylessStatusesStayBodyless(status: Int) async throws {
        try await withProxy(await ProxyHarness.start { _ in .init(status: status, body: "") }) { harness in
            // Two requests on one connection: a stray body or chunk terminator would corrupt the second.
            let answer = try await RawConnection.exchange(
                port: harness.port,
                send: "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let responses = answer.components(separatedBy: "HTTP/1.1 \(status)")
            #expect(responses.count == 3, "\(answer)")
            #expect(!answer.lowercased().contains("transfer-encoding"))
            #expect(answer.hasSuffix("\r\n\r\n"), "no body after either head")
        }
    }

    @Test func informationalResponsesAreRelayedBeforeTheFinalOne() async throws {
        try await withProxy(
            await ProxyHarness.start { _ in
                .init(body: "final", informational: [(103, [("Link", "</app.css>; rel=preload")])])
            }
        ) { harness in
            let answer = try await RawConnection.exchange(
                port: harness.port, send: "GET /about/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 103"), "\(answer.prefix(60))")
            #expect(answer.contains("rel=preload"))
            #expect(answer.contains("HTTP/1.1 200 OK"))
            #expect(answer.hasSuffix("final"))
        }
    }

    @Test func chunkedBodiesAndTrailersPassThrough() async throws {
        let body = String(repeating: "chunk-", count: 5000)
        try await withProxy(
            await ProxyHarness.start { _ in
                .init(body: body, chunkSize: 1000, trailers: [("X-Checksum", "abc123")])
            }
        ) { harness in
            let response = try await harness.get("/stream", headers: [("TE", "trailers")])
            #expect(response.body == body)
            #expect(response.header("transfer-encoding") == "chunked")
            #expect(response.trailers.first { $0.name == "X-Checksum" }?.value == "abc123")
        }
    }

    @Test func unreachableUpstreamIs502() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // Port 1: nothing listens there. (A port bound and closed again, as before, could be
        // taken at once by another test's upstream in the parallel suite, which answered 200.)
        let runtime = try await ProxyRuntime.start(config: ProxyHarness.config(upstreamPort: 1), logger: logger)
        defer { Task { await runtime.shutdown() } }
        let response = try await SimpleHTTPClient.request(
            host: "127.0.0.1", port: runtime.localAddress!.port!, path: "/")
        #expect(response.status == 502)
        #expect(response.body.contains("502"))
        #expect(runtime.engine.experiment(named: "headline")!.counts.allSatisfy { $0.views == 0 })
    }

    @Test func slowUpstreamIs504() async throws {
        try await withProxy(
            await ProxyHarness.start(
                responder: { _ in .init(delay: .seconds(3)) }, configure: { $0.timeouts.responseSeconds = 0.3 })
        ) { harness in
            let response = try await harness.get("/")
            #expect(response.status == 504)
            #expect(harness.totalViews("headline") == 0)
        }
    }

    @Test func headResponsesHaveNoBody() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let response = try await harness.get("/about/", method: "HEAD")
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(harness.upstream.requests.last?.method == "HEAD")
        }
    }

    @Test func responsesThatDependOnAnArmAreKeptOutOfSharedCaches() async throws {
        try await withProxy(await ProxyHarness.start { _ in .init(headers: [("Cache-Control", "public, max-age=60")]) })
        {
            harness in
            let response = try await harness.get("/")
            #expect(response.header("cache-control") == "private, max-age=60")
            #expect(response.header("vary") == "Cookie")
            let untouched = try await harness.get("/static/x.css")
            #expect(untouched.header("cache-control") == "public, max-age=60")
        }
    }
}

@Suite struct UpstreamReuseTests {
    @Test func anIdleUpstreamConnectionIsReusedWithinIdleSecondsAndClosedAfter() async throws {
        // Two proxies, so neither half hangs on how fast a test task starved by the parallel
        // suite sends its next request: reuse with an idle time far longer than any such delay,
        // expiry with one far shorter than the wait.
        try await withProxy(await ProxyHarness.start(configure: { $0.timeouts.idleSeconds = 60 })) { reusing in
            // One client connection: one event loop, so one pool.
            try await KeepAliveConnection.open(port: reusing.port) { connection in
                _ = try await connection.get("/a")
                _ = try await connection.get("/b")
            }
            let reused = Dictionary(
                uniqueKeysWithValues: reusing.upstream.requests.map { ($0.uri, $0.numberOnConnection) })
            #expect(reused["/b"] == 2, "reused while idle less than idleSeconds")

            try await withProxy(await ProxyHarness.start(configure: { $0.timeouts.idleSeconds = 0.3 })) { expiring in
                try await KeepAliveConnection.open(port: expiring.port) { connection in
                    _ = try await connection.get("/a")
                    let closed = try await eventually { expiring.upstream.openConnections == 0 }
                    #expect(closed, "the proxy closes an upstream connection idle longer than idleSeconds")
                    _ = try await connection.get("/c")
                }
                let expired = Dictionary(
                    uniqueKeysWithValues: expiring.upstream.requests.map { ($0.uri, $0.numberOnConnection) })
                #expect(expired["/c"] == 1, "a connection idle longer was closed; a fresh one served")
            }
        }
    }

    /// The upstream drops every kept-alive connection at its second request, as a server
    /// does when its keep-alive timeout fires just as the proxy reuses the connection.
    static func harness() async throws -> ProxyHarness {
        try await ProxyHarness.start { request in
            request.numberOnConnection > 1 ? .init(dropConnection: true) : .init(body: "fresh")
        }
    }

    @Test func idempotentRequestsAreRetriedOnceOnAFreshConnection() async throws {
        try await withProxy(await Self.harness()) { harness in
            for _ in 0..<5 {
                let response = try await harness.get("/about/")
                #expect(response.status == 200)
                #expect(response.body == "fresh")
            }
            #expect(harness.upstream.requests.contains { $0.numberOnConnection > 1 }, "a reused connection was dropped")
        }
    }

    @Test func requestsWithABodyAreNeverSentTwice() async throws {
        try await withProxy(await Self.harness()) { harness in
            // One client connection, so both requests use the same event loop's pool: the GET
            // leaves a kept-alive upstream connection that the POST then reuses.
            let answer = try await RawConnection.exchange(
                port: harness.port,
                send: "GET /about/ HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\nname=x")
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(answer.contains("HTTP/1.1 502"), "\(answer)")
            #expect(harness.upstream.requests.filter { $0.method == "POST" }.count == 1)
        }
    }
}

@Suite struct ForwardingHeaderTests {
    @Test func untrustedPeersCannotForgeForwardingHeaders() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.trustedProxies = [] })) { harness in
            let response = try await harness.get(
                "/",
                headers: [
                    ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"),
                    ("X-Forwarded-Host", "evil.example"),
                    ("Forwarded", "for=6.6.6.6"),
                ])
            let seen = try #require(harness.upstream.requests.last)
            #expect(seen.header("X-Forwarded-For") == "127.0.0.1")
            #expect(seen.header("X-Forwarded-Proto") == "http")
            #expect(seen.header("X-Forwarded-Host") == "127.0.0.1:\(harness.port)")
            #expect(seen.header("Forwarded") == nil)
            #expect(response.header("set-cookie")?.contains("Secure") == false, "an untrusted https claim is ignored")
        }
    }

    @Test func trustedProxiesKeepTheirForwardingHeaders() async throws {
        // Loopback is trusted by default.
        try await withProxy(await ProxyHarness.start()) { harness in
            _ = try await harness.get(
                "/", headers: [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "shop.example")])
            let seen = try #require(harness.upstream.requests.last)
            #expect(seen.header("X-Forwarded-Proto") == "https")
            #expect(seen.header("X-Forwarded-Host") == "shop.example")
        }
    }

    @Test func upstreamHostCanReplaceTheClientsHost() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.hostHeader = .upstream })) { harness in
            _ = try await harness.get("/about/")
            #expect(harness.upstream.requests.last?.header("Host") == "127.0.0.1:\(harness.upstream.port)")
            #expect(harness.upstream.requests.last?.header("X-Forwarded-Host") == "127.0.0.1:\(harness.port)")
        }
    }
}
