import Testing

@testable import BanditProxy

/// Bad requests get a 4xx and the proxy keeps serving; nothing reaches the upstream.
@Suite struct MalformedRequestTests {
    @Test(arguments: [
        "GARBAGE\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
        "GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
    ])
    func malformedRequestsGet400AndTheProxyKeepsServing(request: String) async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let answer = try await RawConnection.exchange(port: harness.port, send: request)
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(80))")
            #expect(harness.upstream.requests.isEmpty, "nothing was smuggled to the upstream")
            #expect(try await harness.get("/about/").status == 200)
        }
    }

    @Test func nothingPipelinedAfterARefusedRequestIsServed() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.maxRequestBodyBytes = 10 })) { harness in
            // Idle upstream connections on both event loops, so a request served by mistake would
            // go out at once rather than lose the race with the close.
            for _ in 0..<4 { _ = try await harness.get("/warm") }
            let answer = try await RawConnection.exchange(
                port: harness.port,
                send: "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n"
                    + String(repeating: "a", count: 20)
                    + "GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(80))")
            #expect(answer.components(separatedBy: "HTTP/1.1 ").count == 2, "one response, then the connection closes")
            #expect(!harness.upstream.requests.contains { $0.path == "/after" })
        }
    }

    @Test func oversizedHeadersGet431() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let huge = String(repeating: "a", count: 70 * 1024)
            let answer = try await RawConnection.exchange(
                port: harness.port, send: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(huge)\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 431"), "\(answer.prefix(80))")
            #expect(harness.upstream.requests.isEmpty)
            let large = String(repeating: "b", count: 40 * 1024)
            #expect(try await harness.get("/about/", headers: [("X-Large", large)]).status == 200, "64 KiB is allowed")
        }
    }

    @Test func slowAndIdleClientsAreDisconnected() async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.timeouts.clientIdleSeconds = 0.3 })) { harness in
            // Half a request head, never finished: the proxy closes the connection. Whether the
            // proxy or the test's deadline closed it is read off the connection, not a clock.
            let (answer, serverClosed) = try await RawConnection.exchangeUntilClosed(
                port: harness.port, send: "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", timeout: .seconds(60))
            #expect(answer.isEmpty)
            #expect(serverClosed, "closed by the proxy, not by the test's deadline")
            #expect(harness.upstream.requests.isEmpty)
        }
    }

    @Test func aBodyThatStopsArrivingGets408AndFreesTheUpstream() async throws {
        // Long enough that a loaded test machine still delivers the head in time.
        try await withProxy(await ProxyHarness.start(configure: { $0.timeouts.clientIdleSeconds = 4 })) { harness in
            let answer = try await RawConnection.exchange(
                port: harness.port, send: "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part",
                timeout: .seconds(30))
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(60))")
        }
    }

    @Test func keepAliveClientsCanSendSeveralRequestsOnOneConnection() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let twoRequests =
                "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let answer = try await RawConnection.exchange(port: harness.port, send: twoRequests)
            #expect(answer.components(separatedBy: "HTTP/1.1 200").count == 3, "\(answer)")
            #expect(harness.upstream.requests.map(\.uri) == ["/a", "/b"])
        }
    }
}
