public import NIOCore
import NIOHTTP1
public import NIOPosix

/// A minimal HTTP/1.1 client for the demo's simulated visitors and for tests: one request
/// per connection, the whole response in memory. Not for the proxy's hot path.
public enum SimpleHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: String
        /// The body's bytes as they came (a compressed body is not text).
        public var bodyBytes: [UInt8] = []
        /// Trailer fields that followed a chunked body.
        public var trailers: [(name: String, value: String)] = []

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        public func headers(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }
    }

    public static func request(
        host: String, port: Int, method: String = "GET", path: String,
        headers: [(String, String)] = [], body: String? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Response {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "Content-Length", value: String(body.utf8.count)) }
        let promise = group.any().makePromise(of: Response.self)
        let bodyBytes = body.map { ByteBuffer(string: $0) }
        let requestHead = head
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            Collector(promise: promise, head: requestHead, body: bodyBytes))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)  // a promise must never be dropped uncompleted
            throw error
        }
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        private let promise: EventLoopPromise<Response>
        private var response: Response?
        private var completed = false

        private let head: HTTPRequestHead
        private let body: ByteBuffer?

        init(promise: EventLoopPromise<Response>, head: HTTPRequestHead, body: ByteBuffer?) {
            self.promise = promise
            self.head = head
            self.body = body
        }

        /// The request goes out from the event loop as soon as the connection is up, not from
        /// the caller's task: on a busy machine that task can wait for a thread longer than
        /// the server waits for a request.
        func channelActive(context: ChannelHandlerContext) {
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head) where head.status.code >= 200:
                response = Response(
                    status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: "")
            case .head:
                break
            case .body(let buffer):
                response?.body += String(buffer: buffer)
                response?.bodyBytes += buffer.readableBytesView
            case .end(let trailers):
                response?.trailers = trailers.map { $0.map { ($0.name, $0.value) } } ?? []
                if let response, !completed {
                    completed = true
                    promise.succeed(response)
                }
                response = nil
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            fail(ChannelError.eof)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            fail(error)
            context.close(promise: nil)
        }

        private func fail(_ error: any Error) {
            guard !completed else { return }
            completed = true
            promise.fail(error)
        }
    }
}
