import NIOCore
import Testing

@_spi(Benchmarks) @testable import BanditProxy

/// The order of requests on one connection, without sockets: what is read ahead of a
/// response waits, and is served in turn once that response is out.
@Suite struct PipelinedRequestsTests {
    /// What the handler serves next, named.
    private func name(_ item: PipelinedRequests.Item?) -> String {
        switch item {
        case nil: "nothing"
        case .part(.head(let head)): "head \(head.uri)"
        case .part(.body(_, let dataBytes)): "body \(dataBytes)"
        case .part(.end): "end"
        case .malformed(let error): "malformed \(error)"
        }
    }

    @Test func aRequestReadWhileNoneIsAnsweredIsServedAtOnce() {
        var requests = PipelinedRequests()
        #expect(!requests.mustWait)
        requests.requestBegan()
        #expect(!requests.mustWait, "its own body and end are served as they come")
        requests.requestEnded()
        requests.responseEnded()
        #expect(!requests.mustWait && !requests.responding)
    }

    @Test func theNextRequestWaitsForTheResponseThenIsServedInOrder() throws {
        var requests = PipelinedRequests()
        requests.requestBegan()
        requests.requestEnded()
        #expect(requests.mustWait, "read while the response is out")
        requests.wait(.part(.head(try TestHeads.request("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"))))
        requests.wait(.part(.end))
        requests.wait(.malformed(.malformedStartLine))
        #expect(name(requests.next()) == "nothing", "not before the response's end")

        requests.responseEnded()
        #expect(name(requests.next()) == "head /b")
        requests.requestBegan()
        #expect(name(requests.next()) == "end")
        requests.requestEnded()
        #expect(requests.mustWait, "later items wait for /b's response")
        #expect(name(requests.next()) == "nothing")
        requests.responseEnded()
        #expect(name(requests.next()) == "malformed \(WireError.malformedStartLine)")
        #expect(name(requests.next()) == "nothing")
        #expect(!requests.isWaiting)
    }

    @Test func whatWaitsIsDroppedWhenTheConnectionCloses() {
        var requests = PipelinedRequests()
        requests.requestBegan()
        requests.requestEnded()
        requests.wait(.part(.end))
        requests.dropWaiting()
        requests.responseEnded()
        #expect(!requests.isWaiting)
        #expect(name(requests.next()) == "nothing")
    }
}
