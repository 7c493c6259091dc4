import BanditCore
import BanditProxy
import Logging
import Testing

/// Bodies reach the client framed so it can read them, whatever framing the upstream used
/// and whatever HTTP version the client speaks; an upstream response the proxy cannot read
/// safely becomes a 502, never something passed on half-understood.
@Suite struct UpstreamFramingTests {
    private static func withProxy(
        _ answer: @escaping @Sendable (String) -> CannedUpstream.Answer, _ body: (Int) async throws -> Void
    ) async throws {
        let upstream = try await CannedUpstream.start(answer)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let runtime = try await ProxyRuntime.start(
            config: ProxyHarness.config(upstreamPort: upstream.port), logger: logger)
        do {
            try await body(runtime.localAddress!.port!)
        } catch {
            await runtime.shutdown()
            try await upstream.stop()
            throw error
        }
        await runtime.shutdown()
        try await upstream.stop()
    }

    /// The data of a chunked body, and what followed it. (Bytes, not Characters: "\r\n" is
    /// one Character to Swift.)
    private static func dechunk(_ text: Substring) -> (data: String, rest: String)? {
        var rest = Array(text.utf8)[...]
        var data: [UInt8] = []
        while let lineEnd = rest.indices.first(where: { rest[$0...].starts(with: "\r\n".utf8) }) {
            guard let size = Int(String(decoding: rest[..<lineEnd], as: UTF8.self), radix: 16) else { return nil }
            rest = rest[(lineEnd + 2)...]
            if size == 0 {
                guard rest.starts(with: "\r\n".utf8) else { return nil }
                return (String(decoding: data, as: UTF8.self), String(decoding: rest.dropFirst(2), as: UTF8.self))
            }
            data += rest.prefix(size)
            rest = rest.dropFirst(size + 2)
        }
        return nil
    }

    @Test func aBodyEndedByTheUpstreamClosingReachesAKeepAliveClientInChunks() async throws {
        try await Self.withProxy({ _ in
            .init(bytes: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", close: true)
        }) {
            port in
            // Two requests on one connection: the first body must end without the connection ending.
            let text = try await RawConnection.exchange(
                port: port,
                send: "GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let first = try #require(text.range(of: "\r\n\r\n"))
            let head = text[..<first.lowerBound].lowercased()
            #expect(head.hasPrefix("http/1.1 200"))
            #expect(head.contains("transfer-encoding: chunked"))
            #expect(!head.contains("connection: close"))
            let (data, rest) = try #require(Self.dechunk(text[first.upperBound...]), "\(text)")
            #expect(data == "all of it")
            #expect(rest.hasPrefix("HTTP/1.1 200"), "the second response follows on the same connection")
        }
    }

    @Test func anHTTP10ClientGetsTheDataOfAChunkedBodyAndAClose() async throws {
        try await Self.withProxy({ _ in
            .init(
                bytes:
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n")
        }) { port in
            let text = try await RawConnection.exchange(port: port, send: "GET / HTTP/1.0\r\nHost: t\r\n\r\n")
            let end = try #require(text.range(of: "\r\n\r\n"))
            let head = text[..<end.lowerBound].lowercased()
            #expect(!head.contains("transfer-encoding"))
            #expect(head.contains("connection: close"))
            #expect(text[end.upperBound...] == "hello, world")
        }
    }

    @Test func chunksReachAnHTTP11ClientAsTheyCame() async throws {
        let body = "5;name=value\r\nhello\r\n0\r\n\r\n"
        try await Self.withProxy({ _ in .init(bytes: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body) })
        {
            port in
            let text = try await RawConnection.exchange(
                port: port, send: "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let end = try #require(text.range(of: "\r\n\r\n"))
            #expect(text[..<end.lowerBound].lowercased().contains("transfer-encoding: chunked"))
            #expect(text[end.upperBound...] == body)
        }
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Split: a\rSet-Cookie: stolen=1\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n",
    ])
    func anUnreadableUpstreamResponseIsA502(response: String) async throws {
        try await Self.withProxy({ _ in .init(bytes: response, close: true) }) { port in
            let text = try await RawConnection.exchange(
                port: port, send: "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 502"), "\(text)")
            #expect(!text.contains("stolen"))
        }
    }

    @Test func aSwitchOfProtocolsNoClientAskedForIsA502() async throws {
        try await Self.withProxy({ _ in
            .init(bytes: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nraw")
        }) { port in
            let text = try await RawConnection.exchange(
                port: port, send: "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 502"), "\(text)")
            #expect(!text.contains("raw"))
        }
    }
}
