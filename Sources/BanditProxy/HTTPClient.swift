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
        let promise = group.any().makePromise(of: Response.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(Collector(promise: promise))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)  // a promise must never be dropped uncompleted
            throw error
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "Content-Length", value: String(body.utf8.count)) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil) }
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        private let promise: EventLoopPromise<Response>
        private var response: Response?
        private var completed = false

        init(promise: EventLoopPromise<Response>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head) where head.status.code >= 200:
                response = Response(
                    status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: "")
            case .head:
                break
            case .body(let buffer):
                response?.body += String(buffer: buffer)
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
