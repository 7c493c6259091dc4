import Testing

@testable import BanditProxy

/// The upstream response reader frames bodies exactly and refuses what llhttp refuses: an
/// upstream that could make the proxy misread where a response ends could serve one
/// visitor's response to another.
@Suite struct UpstreamResponseReaderTests {
    @Test func aLengthFramedResponseComesOutAsSentWhateverThePieces() {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Spaces:  a b  \r\n\r\nhello"
        let whole = ReaderTranscript.read(text)
        #expect(whole.error == nil)
        #expect(whole.heads.map(\.status) == [200])
        #expect(
            whole.heads.first?.fields == [
                .init(name: "Content-Type", value: "text/plain"), .init(name: "Content-Length", value: "5"),
                .init(name: "X-Spaces", value: "a b"),
            ])
        #expect(whole.body == Array("hello".utf8))
        #expect(whole.ends == 1)
        let bytes = Array(text.utf8)
        for split in 1..<bytes.count {
            #expect(
                ReaderTranscript.read([Array(bytes[..<split]), Array(bytes[split...])]) == whole, "split at \(split)")
        }
    }

    @Test func chunksPassAsTheyCameOrAsTheirDataAlone() {
        let body = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Checksum: 42\r\n\r\n"
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body
        let passed = ReaderTranscript.read(text)
        #expect(passed.error == nil)
        #expect(passed.body == Array(body.utf8))
        #expect(passed.ends == 1)
        let bytes = Array(text.utf8)
        for split in 1..<bytes.count {
            let pieces = [Array(bytes[..<split]), Array(bytes[split...])]
            #expect(ReaderTranscript.read(pieces) == passed, "split at \(split)")
            #expect(
                ReaderTranscript.read(pieces, dechunk: true).body == Array("hello, world".utf8), "split at \(split)")
        }
    }

    @Test func responsesWithoutABodyEndAtTheirHead() {
        for (text, toHEAD) in [
            ("HTTP/1.1 204 No Content\r\n\r\n", false),
            ("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false),
            ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true),
        ] {
            let transcript = ReaderTranscript.read(text, toHEAD: toHEAD)
            #expect(transcript.ends == 1 && transcript.body.isEmpty && transcript.error == nil, "\(text)")
        }
    }

    @Test func informationalHeadsComeBeforeTheFinalOne() {
        let transcript = ReaderTranscript.read(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        #expect(transcript.heads.map(\.status) == [100, 103, 200])
        #expect(transcript.body == Array("ok".utf8))
    }

    @Test func aBodyWithoutLengthRunsUntilTheUpstreamCloses() {
        let transcript = ReaderTranscript.read("HTTP/1.0 200 OK\r\n\r\nall of it")
        #expect(transcript.body == Array("all of it".utf8))
        #expect(transcript.ends == 1)
        #expect(transcript.error == nil)
    }

    @Test func kepAliveResponsesFollowEachOther() {
        let transcript = ReaderTranscript.read(
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nb",
            requests: 2)
        #expect(transcript.heads.map(\.status) == [200, 404])
        #expect(transcript.body == Array("ab".utf8))
        #expect(transcript.ends == 2)
    }

    @Test func bytesNoRequestAskedForAreRefused() {
        let transcript = ReaderTranscript.read("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n\r\n")
        #expect(transcript.ends == 1)
        #expect(transcript.error == .unexpectedBytes)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n", WireError.obsoleteLineFolding),
        ("HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n", .malformedField),
        ("HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\n\r\n", .malformedField),
        ("HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\n\r\n", .malformedField),
        ("HTTP/1.1 200 OK\r\nX-A: a\u{0}b\r\n\r\n", .malformedField),
        ("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", .malformedField),
        ("HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n", .malformedField),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            .contentLengthWithTransferEncoding
        ),
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", .conflictingContentLengths),
        ("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", .invalidContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\n", .invalidContentLength),
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", .invalidContentLength),
        ("HTTP/2.0 200 OK\r\n\r\n", .malformedStartLine),
        ("HTTP/1.1 20 OK\r\n\r\n", .malformedStartLine),
        ("HTTP/1.1 099 Low\r\n\r\n", .malformedStartLine),
        ("HTTP/1.1 200 O\u{1}K\r\n\r\n", .malformedStartLine),
        ("ICY 200 OK\r\n\r\n", .malformedStartLine),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", .malformedChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", .malformedChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", .malformedChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n", .malformedChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", .malformedChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\u{0}\r\n", .malformedChunk),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n folded: 1\r\n\r\n", .malformedChunk),
        ("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", .truncated),
        ("HTTP/1.1 200 OK\r\nContent-Len", .truncated),
    ])
    func whatLlhttpRefusesIsRefused(text: String, error: WireError) {
        #expect(ReaderTranscript.read(text).error == error)
    }

    @Test func aHeadLargerThanTheLimitIsRefusedBeforeItEnds() {
        let filler = String(repeating: "X-Filler: \(String(repeating: "a", count: 100))\r\n", count: 700)
        #expect(ReaderTranscript.read("HTTP/1.1 200 OK\r\n" + filler).error == .headTooLarge)
    }
}
