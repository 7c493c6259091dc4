import NIOCore
import NIOHTTP1
import NIOPosix

/// The same relay with swift-nio's HTTP/1 codecs on both connections, as a textbook SwiftNIO
/// proxy has them: requests and responses parsed into heads and parts, the head given one
/// header, the parts written through the encoders. What it costs above the byte relay is the
/// codecs; what bandit-proxy costs above it is bandit-proxy's own handling.
final class HTTPClientSide: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart

    private let upstreamPort: Int
    private var upstream: UpstreamLink<HTTPClientRequestPart>?

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    func channelActive(context: ChannelHandlerContext) {
        upstream = UpstreamLink(for: context, port: upstreamPort) { client in
            [
                HTTPRequestEncoder(),
                ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)),
                HTTPUpstreamSide(client: client),
            ]
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch unwrapInboundIn(data) {
        case .head(var head):
            head.headers.add(name: "X-Bandit-Headline", value: "control")
            part = .head(head)
        case .body(let buffer): part = .body(.byteBuffer(buffer))
        case .end(let trailers): part = .end(trailers)
        }
        upstream?.write(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) { upstream?.flush() }

    func channelInactive(context: ChannelHandlerContext) { upstream?.close() }
}

final class HTTPUpstreamSide: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let client: Channel

    init(client: Channel) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPServerResponsePart =
            switch unwrapInboundIn(data) {
            case .head(let head):
                .head(HTTPResponseHead(version: head.version, status: head.status, headers: head.headers))
            case .body(let buffer): .body(.byteBuffer(buffer))
            case .end(let trailers): .end(trailers)
            }
        client.write(part, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { client.flush() }

    func channelInactive(context: ChannelHandlerContext) { client.close(promise: nil) }
}
