import NIOCore
import Testing

@testable import BanditProxy

/// HTTP/1.1 pipelining and half-closed clients: the proxy reads on while a response is out,
/// so whatever a client sends meanwhile must wait its turn and be answered in order.
@Suite struct PipeliningTests {
    /// Answers with the request's path, the first one slowly.
    private static func harness() async throws -> ProxyHarness {
        try await ProxyHarness.start(responder: { request in
            .init(body: "<\(request.path)>", delay: request.path == "/a" ? .milliseconds(150) : .zero)
        })
    }

    private static func get(_ path: String, close: Bool = false) -> String {
        "GET \(path) HTTP/1.1\r\nHost: x\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n"
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWhenTheFirstIsSlowest() async throws {
        try await withProxy(await Self.harness()) { harness in
            let answer = try await RawConnection.exchange(
                port: harness.port, send: Self.get("/a") + Self.get("/b") + Self.get("/c", close: true))
            let bodies = ["</a>", "</b>", "</c>"].map { answer.range(of: $0)?.lowerBound }
            #expect(bodies.allSatisfy { $0 != nil }, "\(answer)")
            #expect(bodies.compactMap { $0 } == bodies.compactMap { $0 }.sorted(), "in request order: \(answer)")
            #expect(answer.components(separatedBy: "HTTP/1.1 200").count == 4)
            #expect(harness.upstream.requests.map(\.path) == ["/a", "/b", "/c"])
        }
    }

    @Test func aMalformedRequestBehindAValidOneIsAnsweredAfterIt() async throws {
        try await withProxy(await Self.harness()) { harness in
            let answer = try await RawConnection.exchange(port: harness.port, send: Self.get("/a") + "GARBAGE\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 200"), "the valid request keeps its own answer: \(answer.prefix(80))")
            let ok = try #require(answer.range(of: "</a>"), "\(answer)")
            let bad = try #require(answer.range(of: "HTTP/1.1 400"), "\(answer)")
            #expect(ok.upperBound <= bad.lowerBound)
            #expect(harness.upstream.requests.map(\.path) == ["/a"])
        }
    }

    @Test func aClientThatHalfClosesAfterItsRequestsStillGetsEveryAnswer() async throws {
        try await withProxy(await Self.harness()) { harness in
            // Who closed, not how long it took: the parallel suite can starve any test for seconds.
            let answered = try await RawConnection.exchangeUntilClosed(
                port: harness.port, send: Self.get("/a") + Self.get("/b"), halfClose: true, timeout: .seconds(20))
            #expect(answered.answer.contains("</a>") && answered.answer.contains("</b>"), "\(answered.answer)")
            #expect(answered.serverClosed, "the proxy closes once both are answered")
            let idle = try await RawConnection.exchangeUntilClosed(
                port: harness.port, send: "", halfClose: true, timeout: .seconds(20))
            #expect(idle.answer.isEmpty)
            #expect(idle.serverClosed, "an idle half-closed connection is closed by the proxy")
        }
    }
}
