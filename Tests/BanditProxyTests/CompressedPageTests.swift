import BanditCore
import BanditHTML
import BanditProxy
import CompressNIO
import NIOCore
import Testing

/// Pages the site sends compressed and an arm edits: the proxy asks for codings it can decode
/// (and the visitor accepts), decodes the page as it streams, edits it, and sends it gzip to a
/// visitor that accepts gzip, as it is to one that does not.
@Suite struct CompressedPageTests {
    static let page = PageEditingTests.page

    enum Coding: String { case gzip, zlib, rawDeflate }

    static func compressed(_ text: String, _ coding: Coding) -> [UInt8] {
        var buffer = ByteBuffer(string: text)
        let algorithm: CompressionAlgorithm =
            switch coding {
            case .gzip: .gzip()
            case .zlib: .zlib()
            case .rawDeflate: .deflate()
            }
        let out = (try? buffer.compress(with: algorithm)) ?? ByteBuffer()
        return Array(out.readableBytesView)
    }

    static func gunzip(_ bytes: [UInt8]) throws -> String {
        var buffer = ByteBuffer(bytes: bytes)
        return String(buffer: try buffer.decompress(with: .gzip()))
    }

    /// The page as the edited arm must see it: the rewriter's output for the whole page at once.
    static func edited() throws -> String {
        String(
            decoding: HTMLRewriter.rewrite(Array(page.utf8), edits: try PageEditingTests.edits()).output, as: UTF8.self)
    }

    /// The headline experiment with its second arm editing the page; `/` answered in `coding`
    /// (gzip when asked, unless `always`), in pieces of 1000 bytes when `chunked`.
    static func harness(
        _ coding: Coding = .gzip, always: Bool = false, chunked: Bool = false, body: [UInt8]? = nil
    ) async throws -> ProxyHarness {
        let edits = try PageEditingTests.edits()
        let encoded = body ?? compressed(page, coding)
        let name = coding == .gzip ? "gzip" : "deflate"
        return try await ProxyHarness.start(
            responder: { request in
                guard request.path == "/" else { return .init() }
                var headers = [("Content-Type", "text/html; charset=utf-8"), ("ETag", "\"v1\"")]
                let asked = request.header("Accept-Encoding") ?? ""
                guard always || asked.contains(name) else { return .init(headers: headers, body: page) }
                headers += [("Content-Encoding", name), ("Vary", "Accept-Encoding")]
                return .init(headers: headers, bytes: encoded, chunkSize: chunked ? 1000 : nil)
            },
            configure: { config in
                config.experiments[0].algorithm = .uniform
                config.experiments[0].armVariants[1] = ArmVariant(html: edits)
            })
    }

    @Test(arguments: [false, true])
    func aGzipPageIsEditedAndSentGzipToAVisitorThatAcceptsIt(chunked: Bool) async throws {
        try await withProxy(await Self.harness(chunked: chunked)) { harness in
            let response = try await Visitor(harness).get(
                "/?bandit_force_headline=bold", headers: [("Accept-Encoding", "gzip, br")])
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == "gzip", "what the proxy can decode")
            #expect(response.status == 200)
            #expect(response.header("content-encoding") == "gzip")
            #expect(response.header("content-length") == nil)
            #expect(response.header("transfer-encoding") == "chunked")
            #expect(response.header("etag") == "W/\"v1\"")
            #expect(response.headers("vary").joined(separator: ",").lowercased().contains("accept-encoding"))
            #expect(response.header("cache-control") == "private")
            #expect(try Self.gunzip(response.bodyBytes) == (try Self.edited()), "the whole page, edited")
            #expect(harness.upstream.requests.count == 1)
        }
    }

    @Test func aVisitorThatDoesNotAcceptGzipGetsTheEditedPageUncompressed() async throws {
        // A site that compresses whatever it is asked: the proxy decodes it all the same.
        try await withProxy(await Self.harness(always: true, chunked: true)) { harness in
            let response = try await Visitor(harness).get("/?bandit_force_headline=bold")
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == nil, "the visitor asked for none")
            #expect(response.header("content-encoding") == nil)
            #expect(response.body == (try Self.edited()))
            #expect(response.headers("vary").joined(separator: ",").lowercased().contains("accept-encoding"))
        }
    }

    @Test(arguments: [Coding.zlib, .rawDeflate])
    func aDeflatePageIsDecodedInEitherForm(coding: Coding) async throws {
        try await withProxy(await Self.harness(coding, chunked: true)) { harness in
            let response = try await Visitor(harness).get(
                "/?bandit_force_headline=bold", headers: [("Accept-Encoding", "deflate")])
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == "deflate")
            #expect(response.header("content-encoding") == nil, "the proxy encodes gzip only")
            #expect(response.body == (try Self.edited()))
        }
    }

    @Test func aVisitorWhoRefusesGzipIsNotSentIt() async throws {
        try await withProxy(await Self.harness()) { harness in
            let response = try await Visitor(harness).get(
                "/?bandit_force_headline=bold", headers: [("Accept-Encoding", "gzip;q=0, deflate")])
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == "deflate")
            #expect(response.header("content-encoding") == nil)
            #expect(response.body == (try Self.edited()))
        }
    }

    @Test func theOtherArmGetsTheCompressedPageAsTheSiteSentIt() async throws {
        try await withProxy(await Self.harness()) { harness in
            let response = try await Visitor(harness).get(
                "/?bandit_force_headline=control", headers: [("Accept-Encoding", "gzip, br")])
            #expect(harness.upstream.requests.last?.header("Accept-Encoding") == "gzip, br", "as the visitor sent it")
            #expect(response.bodyBytes == Self.compressed(Self.page, .gzip), "byte for byte")
            #expect(response.header("etag") == "\"v1\"")
            #expect(response.header("content-length") == String(response.bodyBytes.count))
        }
    }

    @Test func aCorruptCompressedPageIsCutOffNotPassedOffAsWhole() async throws {
        var corrupt = Self.compressed(Self.page, .gzip)
        for index in corrupt.count / 2..<corrupt.count / 2 + 16 { corrupt[index] ^= 0x5A }
        try await withProxy(await Self.harness(chunked: true, body: corrupt)) { harness in
            await #expect(throws: (any Error).self) {
                try await Visitor(harness).get("/?bandit_force_headline=bold", headers: [("Accept-Encoding", "gzip")])
            }
            // The proxy goes on serving.
            let next = try await Visitor(harness).get("/?bandit_force_headline=control")
            #expect(next.status == 200)
        }
    }
}
