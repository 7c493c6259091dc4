import BanditCore
import NIOCore
import NIOHTTP1
import Testing

@_spi(Benchmarks) @testable import BanditProxy

/// The one-pass header rewriting recognises names in any letter case and keeps what it must.
@Suite struct HeaderRewritingTests {
    private static func upstreamHead(
        _ headers: [(String, String)], method: HTTPMethod = .GET, trusted: Bool = false, upstreamHost: String? = nil
    ) throws -> HTTPHeaders {
        let client = try TestHeads.request(
            "\(method.rawValue) / HTTP/1.1\r\n" + headers.map { "\($0): \($1)\r\n" }.joined() + "\r\n")
        var written = ByteBuffer()
        UpstreamRequest.head(
            from: client, uri: "/", isExperimentHeader: { HTTPSyntax.equalsLowercase($0, "x-bandit-headline") },
            injected: [ServedArm.header("X-Bandit-Headline", arm: "bold", experiment: "headline")],
            clientAddress: "192.0.2.1", clientIsTrusted: trusted,
            upstreamHost: upstreamHost, upgrade: nil, into: &written)
        // What the upstream receives must itself be a request the strict reader accepts.
        return HTTPHeaders(try TestHeads.request(String(buffer: written)).headerList)
    }

    @Test(arguments: ["keep-alive", "KEEP-ALIVE", "Proxy-Connection", "TRAILER", "upgrade", "Proxy-Authorization"])
    func hopByHopNamesGoInAnyCase(name: String) throws {
        let headers = try Self.upstreamHead([(name, "x"), ("X-Kept", "1")])
        #expect(!headers.contains(name: name))
        #expect(headers["x-kept"] == ["1"])
        #expect(
            try Self.forwardedResponseHead([(name, "x"), ("X-Kept", "1")]) == "HTTP/1.1 200 OK\r\nX-Kept: 1\r\n\r\n")
    }

    /// The head the client receives for an upstream response with these fields.
    private static func forwardedResponseHead(_ fields: [(String, String)]) throws -> String {
        var out = ByteBuffer()
        ClientResponseHead.start(from: try TestHeads.response(fields), into: &out)
        ClientResponseHead.end(&out)
        return String(buffer: out)
    }

    /// Kept lines are copied as they came, runs of them at once: what lies between dropped
    /// lines, and after the last, arrives whole and in order, whitespace and letter case kept.
    @Test func keptLinesAreCopiedAsTheyCameAroundDroppedOnes() throws {
        let client = try TestHeads.request(
            "GET / HTTP/1.1\r\nConnection: keep-alive\r\nA:1\r\nb:  two\t \r\nTE: gzip\r\nC: 3\r\n"
                + "X-Bandit-Headline: spoofed\r\nd: 4\r\n\r\n")
        var written = ByteBuffer()
        UpstreamRequest.head(
            from: client, uri: "/", isExperimentHeader: { HTTPSyntax.equalsLowercase($0, "x-bandit-headline") },
            injected: [ServedArm.header("X-Bandit-Headline", arm: "bold", experiment: "headline")],
            clientAddress: "192.0.2.1", clientIsTrusted: false,
            upstreamHost: nil, upgrade: nil, into: &written)
        #expect(
            String(buffer: written)
                == "GET / HTTP/1.1\r\nA:1\r\nb:  two\t \r\nC: 3\r\nd: 4\r\nX-Bandit-Headline: bold\r\n"
                + "X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-Proto: http\r\n\r\n")

        let response = try Self.forwardedResponseHead([
            ("Keep-Alive", "timeout=5"), ("Server", "nginx"), ("Date", "today"), ("Connection", "keep-alive"),
            ("x-last", "1"), ("Transfer-Encoding", "chunked"),
        ])
        #expect(response == "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: today\r\nx-last: 1\r\n\r\n")
    }

    @Test func responseFieldsNamedByConnectionAreDroppedWhateverTheirCase() throws {
        let head = try Self.forwardedResponseHead([
            ("Connection", "keep-alive, X-Secret"), ("x-SECRET", "1"), ("X-Other", "2"), ("Keep-Alive", "timeout=5"),
        ])
        #expect(head == "HTTP/1.1 200 OK\r\nX-Other: 2\r\n\r\n")
    }

    @Test func untrustedForwardingAndSpoofedExperimentHeadersAreReplacedInAnyCase() throws {
        let headers = try Self.upstreamHead([
            ("HOST", "shop.example"), ("X-FORWARDED-FOR", "10.0.0.1"), ("x-forwarded-proto", "https"),
            ("X-Forwarded-HOST", "evil.example"), ("FORWARDED", "for=10.0.0.1"), ("x-BANDIT-headline", "control"),
            ("X-Real-IP", "10.0.0.1"),
        ])
        #expect(headers["x-forwarded-for"] == ["192.0.2.1"])
        #expect(headers["x-forwarded-proto"] == ["http"])
        #expect(headers["x-forwarded-host"] == ["shop.example"])
        #expect(headers["forwarded"] == [])
        #expect(headers["x-real-ip"] == [], "a site that trusts X-Real-IP from its proxy must not see a client's")
        #expect(headers["x-bandit-headline"] == ["bold"])
        #expect(headers["host"] == ["shop.example"])
    }

    @Test func aTrustedPeersForwardingHeadersAreKeptAndExtended() throws {
        let headers = try Self.upstreamHead(
            [
                ("X-Forwarded-For", "198.51.100.1"), ("x-forwarded-for", "10.0.0.1"), ("X-Forwarded-Proto", "https"),
                ("X-Real-IP", "198.51.100.1"),
            ],
            trusted: true, upstreamHost: "origin.internal")
        #expect(headers["x-forwarded-for"] == ["198.51.100.1, 10.0.0.1, 192.0.2.1"])
        #expect(headers["x-forwarded-proto"] == ["https"])
        #expect(headers["x-real-ip"] == ["198.51.100.1"])
        #expect(headers["host"] == ["origin.internal"])
    }

    @Test func framingIsRebuiltFromTheClientsWhateverItsCase() throws {
        let chunked = try Self.upstreamHead(
            [("TRANSFER-ENCODING", "Chunked,"), ("te", " Trailers ")], method: .POST)
        #expect(chunked["transfer-encoding"] == ["chunked"], "declared in the one form every parser reads alike")
        #expect(chunked["te"] == ["trailers"])
        #expect(chunked["content-length"] == [])
        let sized = try Self.upstreamHead([("CONTENT-LENGTH", "5")], method: .POST)
        #expect(sized["content-length"] == ["5"])
        #expect(try Self.upstreamHead([], method: .POST)["content-length"] == ["0"])
    }

    @Test func headersNamedByConnectionAreDroppedWhateverTheirCase() throws {
        let headers = try Self.upstreamHead([
            ("Connection", "X-Secret, keep-alive"), ("x-SECRET", "1"), ("X-Other", "2"),
        ])
        #expect(headers["x-secret"] == [])
        #expect(headers["x-other"] == ["2"])
        #expect(headers["connection"] == [])
    }
}
