import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A real HTTP server on 127.0.0.1 that records every request it receives and answers
/// with whatever the test's responder says.
final class RecordingUpstream: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// 1 for the first request on its connection, 2 for the next, and so on.
        var numberOnConnection = 1

        func header(_ name: String) -> String? { headers(name).first }
        func headers(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }
        var path: String { String(uri.prefix { $0 != "?" }) }
    }

    struct Reply: Sendable {
        var status: Int = 200
        var headers: [(String, String)] = [("Content-Type", "text/plain")]
        var body: String = "ok"
        /// Sent instead of `body` when set: bytes that are not text (a gzip page).
        var bytes: [UInt8]?
        /// Wait this long before answering (for timeout tests).
        var delay: TimeAmount = .zero
        /// Close the connection instead of answering (a keep-alive connection the server gave up on).
        var dropConnection = false
        /// Informational heads (e.g. 103 Early Hints) sent before the final response.
        var informational: [(status: Int, headers: [(String, String)])] = []
        /// Send the body chunked, in pieces of this many bytes, followed by these trailers.
        var chunkSize: Int?
        var trailers: [(String, String)] = []
    }

    typealias Responder = @Sendable (Request) -> Reply

    private let channel: any Channel
    private let recorded = Mutex<[Request]>([])
    private let connections = Mutex<(open: Int, peak: Int)>((0, 0))
    let responder: Responder

    var port: Int { channel.localAddress!.port! }
    var requests: [Request] { recorded.withLock { $0 } }

    private init(channel: any Channel, responder: @escaping Responder) {
        self.channel = channel
        self.responder = responder
    }

    /// With `tls`, the upstream speaks HTTPS.
    static func start(tls: NIOSSLContext? = nil, responder: @escaping Responder = { _ in Reply() }) async throws
        -> RecordingUpstream
    {
        let box = Mutex<RecordingUpstream?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // As a real site's server: the default backlog (128) overflows when the proxy
            // opens a connection for each of a thousand concurrent clients, and the kernel
            // then drops connection attempts for a retry a second or more later.
            .serverChannelOption(.backlog, value: 1024)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(upstream: { box.withLock { $0! } }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let upstream = RecordingUpstream(channel: channel, responder: responder)
        box.withLock { $0 = upstream }
        return upstream
    }

    func record(_ request: Request) { recorded.withLock { $0.append(request) } }

    /// The most connections that were open to it at once.
    var peakConnections: Int { connections.withLock { $0.peak } }
    /// Connections from the proxy open now.
    var openConnections: Int { connections.withLock { $0.open } }

    func connectionOpened() {
        connections.withLock {
            $0.open += 1
            $0.peak = max($0.peak, $0.open)
        }
    }

    func connectionClosed() { connections.withLock { $0.open -= 1 } }

    func stop() async throws { try await channel.close() }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let upstream: () -> RecordingUpstream
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        var served = 0

        init(upstream: @escaping () -> RecordingUpstream) { self.upstream = upstream }

        func channelActive(context: ChannelHandlerContext) {
            upstream().connectionOpened()
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            upstream().connectionClosed()
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                served += 1
                let request = Request(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                    body: body, numberOnConnection: served)
                let server = upstream()
                server.record(request)
                let reply = server.responder(request)
                if reply.dropConnection {
                    context.close(promise: nil)
                    return
                }
                let keepAlive = head.isKeepAlive
                let respond = {
                    var headers = HTTPHeaders(reply.headers)
                    if reply.chunkSize == nil {
                        headers.replaceOrAdd(
                            name: "Content-Length", value: String(reply.bytes?.count ?? reply.body.utf8.count))
                    }
                    for early in reply.informational {
                        let head = HTTPResponseHead(
                            version: .http1_1, status: HTTPResponseStatus(statusCode: early.status),
                            headers: HTTPHeaders(early.headers))
                        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
                    }
                    let status = HTTPResponseStatus(statusCode: reply.status)
                    context.write(
                        self.wrapOutboundOut(
                            .head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                    if head.method != .HEAD {
                        var body = reply.bytes.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: reply.body)
                        while body.readableBytes > 0,
                            let piece = body.readSlice(length: min(reply.chunkSize ?? Int.max, body.readableBytes))
                        {
                            context.write(self.wrapOutboundOut(.body(.byteBuffer(piece))), promise: nil)
                        }
                    }
                    let trailers = reply.trailers.isEmpty ? nil : HTTPHeaders(reply.trailers)
                    context.writeAndFlush(self.wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in
                        if !keepAlive { context.close(promise: nil) }
                    }
                }
                if reply.delay == .zero {
                    respond()
                } else {
                    context.eventLoop.assumeIsolated().scheduleTask(in: reply.delay) { respond() }
                }
                self.head = nil
            }
        }
    }
}
