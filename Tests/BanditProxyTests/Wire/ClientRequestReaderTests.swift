import NIOCore
import Testing

@_spi(Benchmarks) @testable import BanditProxy

/// The client request reader refuses what llhttp (swift-nio's parser, which the proxy used
/// before) refuses, and frames bodies exactly: a proxy and its upstream that disagree on
/// where a request ends let an attacker smuggle a second request past the proxy.
@Suite struct ClientRequestReaderTests {
    static func read(_ text: String) -> RequestTranscript { RequestTranscript.ours([Array(text.utf8)]) }

    @Test(arguments: [
        "GARBAGE\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\n: x\r\n\r\n",
        "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
        "GET / HTTP/1.1\r\nX-A: a\u{0}b\r\n\r\n",
        // Past the first words of a long value, which are skipped eight bytes at a time.
        "GET / HTTP/1.1\r\nCookie: abcdefghijklmnopq\u{0}rstuvwxyz\r\n\r\n",
        "GET / HTTP/1.1\r\nCookie: abcdefghijklmnopq\rstuvwxyz\r\n\r\n",
        "GET / HTTP/1.1\r\nCookie: abcdefghijklmnopq\u{7F}rstuvwxyz\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
        "GET /a\u{1}b HTTP/1.1\r\n\r\n",
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
    ])
    func whatLlhttpRefusesIsRefused(request: String) {
        #expect(RequestTranscript.nio([Array(request.utf8)]).refused, "swift-nio refuses it too")
        #expect(Self.read(request).refused)
    }

    /// Where llhttp is lenient and a stricter reading is safer: refused.
    @Test(arguments: [
        "GET / HTTP/1.1\r\nX-A: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\nHost: x\n\n",
        "GET /caf\u{E9} HTTP/1.1\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ])
    func whatLlhttpLetsThroughButCouldConfuseAnUpstreamIsRefused(request: String) {
        #expect(Self.read(request).refused)
    }

    @Test func pipelinedRequestsComeOutOneByOneWhateverThePieces() {
        let text =
            "\r\nGET /a?x=1 HTTP/1.1\r\nHost: x\r\nX-Spaces:  a b  \r\n\r\n"
            + "POST /b HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello"
            + "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
        let whole = Self.read(text)
        #expect(!whole.refused)
        #expect(whole.heads.map(\.uri) == ["/a?x=1", "/b", "/c"])
        #expect(whole.heads.map(\.method) == ["GET", "POST", "PUT"])
        #expect(whole.heads.map(\.minorVersion) == [1, 0, 1])
        #expect(whole.heads[0].fields == [.init(name: "Host", value: "x"), .init(name: "X-Spaces", value: "a b")])
        #expect(whole.body == Array("hello3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n".utf8), "chunks pass as they came")
        #expect(whole.dataBytes == 8)
        #expect(whole.ends == 3)
        let bytes = Array(text.utf8)
        for split in 1..<bytes.count {
            let pieces = [Array(bytes[..<split]), Array(bytes[split...])]
            #expect(RequestTranscript.ours(pieces) == whole, "split at \(split)")
        }
    }

    /// The reader fills its last head's field table again for the next head: a head still
    /// held (a pipelined request waiting its turn) keeps its own fields all the same.
    @Test func aHeadStillHeldKeepsItsFieldsWhileTheNextIsRead() throws {
        var reader = ClientRequestReader(maxHeadBytes: 1024)
        reader.append(
            ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: a\r\nX-One: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: b\r\n\r\n"))
        var heads: [ClientRequestHead] = []
        while let event = try reader.next() {
            if case .head(let head) = event { heads.append(head) }
        }
        #expect(heads.map(\.uri) == ["/a", "/b"])
        #expect(heads[0].headerList.map { "\($0.name): \($0.value)" } == ["Host: a", "X-One: 1"])
        #expect(heads[1].headerList.map { "\($0.name): \($0.value)" } == ["Host: b"])
    }

    @Test func aHeadLargerThanTheLimitIsRefusedBeforeItEnds() {
        var reader = ClientRequestReader(maxHeadBytes: 1024)
        reader.append(ByteBuffer(string: "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 2000)))
        #expect(throws: WireError.headTooLarge) { try reader.next() }
    }

    @Test func whatFollowsAnUpgradeRequestIsKeptForTheTunnel() throws {
        var reader = ClientRequestReader(maxHeadBytes: 1024)
        let frame: [UInt8] = [0x81, 0x05] + Array("hello".utf8)
        reader.append(
            ByteBuffer(
                bytes: Array("GET /chat HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n".utf8) + frame))
        guard case .head(let head) = try reader.next() else { throw Unexpected() }
        #expect(head.requestedUpgrade == "websocket")
        guard case .end = try reader.next() else { throw Unexpected() }
        #expect(try reader.next() == nil, "the frame is not read as HTTP")
        #expect(reader.takeLeftover().map { Array($0.readableBytesView) } == frame)
    }

    struct Unexpected: Error {}
}
