import Testing

/// A client that sends its whole request before reading (scripts, many libraries) gets the
/// proxy's refusal, not a connection reset: the proxy keeps reading and dropping what the
/// client still sends after the answer, as nginx's `lingering_close` does.
@Suite struct LingeringCloseTests {
    static let huge = String(repeating: "h", count: 200 * 1024)
    static let upload = String(repeating: "u", count: 4 * 1024 * 1024)

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(huge)\r\n\r\n", "HTTP/1.1 431"),
        ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(upload.utf8.count)\r\n\r\n\(upload)", "HTTP/1.1 413"),
        (
            "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "\(String(upload.utf8.count, radix: 16))\r\n\(upload)\r\n0\r\n\r\n", "HTTP/1.1 413"
        ),
        ("GARBAGE\r\n\r\n\(huge)", "HTTP/1.1 400"),
    ])
    func aClientStillSendingReadsTheAnswer(request: String, expected: String) async throws {
        try await withProxy(await ProxyHarness.start(configure: { $0.maxRequestBodyBytes = 1000 })) {
            harness async throws in
            for attempt in 0..<10 {
                let answer = await BlockingClient.exchange(port: harness.port, send: Array(request.utf8))
                #expect(answer.hasPrefix(expected), "attempt \(attempt): \(answer.prefix(80))")
            }
            #expect(harness.upstream.requests.isEmpty)
            #expect(try await harness.get("/about/").status == 200, "and it keeps serving")
        }
    }
}
