import NIOCore
import NIOHTTP1

/// Answers requests the HTTP parser rejects: 431 when the header block is too large, 400
/// for everything else (malformed request line, invalid header characters, Content-Length
/// with Transfer-Encoding, conflicting lengths). The decoder closes the connection right
/// after, so nothing of such a request ever reaches the upstream.
///
/// NIO's own `HTTPServerProtocolErrorHandler` does the same with a bare 400; this one tells
/// an oversized request apart and gives a person a readable page.
final class ProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseInProgress = false
    /// Our error page went out: the connection is done, and whatever the proxy handler
    /// would still write for the broken request (a late upstream answer) must not follow it.
    private var errorSent = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !responseInProgress {
            let (status, detail) =
                switch parserError {
                case .headerOverflow:
                    (
                        HTTPResponseStatus.requestHeaderFieldsTooLarge,
                        "The request's headers are larger than this proxy accepts."
                    )
                default:
                    (HTTPResponseStatus.badRequest, "The request is not valid HTTP/1.1.")
                }
            let (head, body) = ErrorPage.response(
                status, detail: detail, allocator: context.channel.allocator, close: true)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            errorSent = true
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if errorSent {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: responseInProgress = true
        case .end: responseInProgress = false
        default: break
        }
        context.write(data, promise: promise)
    }
}
