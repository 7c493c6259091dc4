import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An upstream for bodies far larger than memory, on 127.0.0.1.
///
/// - `GET /sized/<n>` and `GET /chunked/<n>` answer `n` bytes of `BodyPattern`, with a
///   Content-Length or chunked, generated a chunk at a time and only while the connection
///   is writable: it never runs ahead of what the proxy takes.
/// - `GET /page/<n>` answers an HTML page of at least `n` bytes (`StreamedPage`), chunked, as
///   `text/html`, generated the same way.
/// - `POST /upload` drains the body, checking it against `BodyPattern` as it goes, and
///   answers `<bytes> intact` or `<bytes> corrupt`. It reads slowly at first (a 1 ms pause
///   between reads for the first `slowBytes`, then one long pause), so the proxy has to hold
///   the client back.
///
/// `sent` and `received` count body bytes handed to and taken from the socket, so a test can
/// see how far ahead of the other end this side ever got.
final class StreamingUpstream: Sendable {
    let sent = ByteCounter()
    let received = ByteCounter()
    private let channel: any Channel

    static let chunkSize = 60_000
    static let slowBytes = 16 << 20
    static let pauseAt = 64 << 20
    static let pause = TimeAmount.milliseconds(300)

    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel) { self.channel = channel }

    static func start() async throws -> StreamingUpstream {
        let box = Mutex<StreamingUpstream?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(upstream: box.withLock { $0! }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let upstream = StreamingUpstream(channel: channel)
        box.withLock { $0 = upstream }
        return upstream
    }

    func stop() async throws { try await channel.close() }

    private final class Handler: ChannelDuplexHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        let upstream: StreamingUpstream
        /// Download: bytes still to generate, and the stream offset of the next one.
        var remaining = 0
        var offset = 0
        var generating = false
        /// Download of a page: paragraphs still to generate, then the page's end.
        var paragraphs = 0
        /// Upload: bytes drained so far, whether they all matched, whether the long pause happened.
        var uploading = false
        var drained = 0
        var intact = true
        var paused = false

        init(upstream: StreamingUpstream) { self.upstream = upstream }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                let parts = head.uri.split(separator: "/")
                if head.method == .POST {
                    (uploading, drained, intact, paused) = (true, 0, true, false)
                } else if parts.count == 2, parts[0] == "page", let size = Int(parts[1]) {
                    let headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8")])
                    context.write(
                        wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                        promise: nil)
                    paragraphs = StreamedPage.paragraphCount(forSize: size)
                    writeBody(StreamedPage.head, context: context)
                    generating = true
                    generatePage(context: context)
                } else if parts.count == 2, let size = Int(parts[1]) {
                    var headers = HTTPHeaders([("Content-Type", "application/octet-stream")])
                    if parts[0] == "sized" { headers.add(name: "Content-Length", value: String(size)) }
                    context.write(
                        wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                        promise: nil)
                    (remaining, offset, generating) = (size, 0, true)
                    generate(context: context)
                } else {
                    respond("no such stream", status: .notFound, context: context)
                }
            case .body(let buffer):
                guard uploading else { return }
                if intact && !BodyPattern.matches(buffer.readableBytesView, at: drained) { intact = false }
                drained += buffer.readableBytes
                upstream.received.add(buffer.readableBytes)
            case .end:
                if uploading {
                    uploading = false
                    respond("\(drained) \(intact ? "intact" : "corrupt")", status: .ok, context: context)
                }
            }
        }

        /// Writes chunks while the connection takes them; resumes on `channelWritabilityChanged`.
        func generate(context: ChannelHandlerContext) {
            while generating && remaining > 0 && context.channel.isWritable {
                let count = min(StreamingUpstream.chunkSize, remaining)
                var buffer = context.channel.allocator.buffer(capacity: count)
                BodyPattern.write(offset: offset, length: count, into: &buffer)
                offset += count
                remaining -= count
                let upstream = self.upstream
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenSuccess { upstream.sent.add(count) }
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: written)
            }
            guard generating else { return }
            if remaining == 0 {
                generating = false
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        /// Writes a page's paragraphs a chunk at a time while the connection takes them, then its end.
        func generatePage(context: ChannelHandlerContext) {
            let perChunk = max(1, StreamingUpstream.chunkSize / StreamedPage.paragraph.utf8.count)
            while generating && paragraphs > 0 && context.channel.isWritable {
                let count = min(perChunk, paragraphs)
                paragraphs -= count
                writeBody(String(repeating: StreamedPage.paragraph, count: count), context: context)
            }
            guard generating, paragraphs == 0 else { return }
            generating = false
            writeBody(StreamedPage.tail, context: context)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        private func writeBody(_ text: String, context: ChannelHandlerContext) {
            let count = text.utf8.count
            let upstream = self.upstream
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenSuccess { upstream.sent.add(count) }
            context.writeAndFlush(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: written)
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if context.channel.isWritable {
                if paragraphs > 0 { generatePage(context: context) } else { generate(context: context) }
            }
            context.fireChannelWritabilityChanged()
        }

        /// Reads slowly for the first `slowBytes` of an upload, and stops once for `pause`.
        func read(context: ChannelHandlerContext) {
            guard uploading else { return context.read() }
            if drained >= StreamingUpstream.pauseAt && !paused {
                paused = true
                context.eventLoop.assumeIsolated().scheduleTask(in: StreamingUpstream.pause) { context.read() }
            } else if drained < StreamingUpstream.slowBytes {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(1)) { context.read() }
            } else {
                context.read()
            }
        }

        func respond(_ text: String, status: HTTPResponseStatus, context: ChannelHandlerContext) {
            let headers = HTTPHeaders([("Content-Length", String(text.utf8.count))])
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// The HTML page `StreamingUpstream` serves at `/page/<n>`: a head with the headline an edit
/// may change, the same paragraph over and over, and the end of the body an edit may append to.
enum StreamedPage {
    static let head =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>A long page</title></head>"
        + "<body><h1 id=\"headline\">Old headline</h1>\n"
    /// Long paragraphs (2 KiB, one link each): a debug build's tokenizer spends its time on
    /// tags, and the page is about memory, not speed.
    static let paragraph =
        "<p class=\"row\">"
        + String(
            repeating: "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque "
                + "laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi. ",
            count: 11)
        + "<a href=\"/notes/voluptas/\">voluptas</a> sit aspernatur aut odit aut fugit &amp; more.</p>\n"
    static let tail = "</body></html>\n"

    static func paragraphCount(forSize size: Int) -> Int {
        max(0, size - head.utf8.count - tail.utf8.count) / paragraph.utf8.count + 1
    }

    /// The page's size for `/page/<size>`, unedited.
    static func byteCount(forSize size: Int) -> Int {
        head.utf8.count + paragraphCount(forSize: size) * paragraph.utf8.count + tail.utf8.count
    }
}
