import NIOCore

/// Reads requests off a client connection (`ClientRequestReader`) and passes each part to
/// `ProxyHandler`. A request the reader refuses is passed on as the error (`WireError`),
/// which `ProxyHandler` answers with 400 or 431; nothing after it is read.
final class ClientRequestDecoder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ClientRequestReader.Event

    private var reader: ClientRequestReader

    init(maxHeadBytes: Int) {
        reader = ClientRequestReader(maxHeadBytes: maxHeadBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        do {
            while let event = try reader.next() { context.fireChannelRead(wrapInboundOut(event)) }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client stopped sending in the middle of a request: it can never be complete.
        if case .inputClosed = event as? ChannelEvent, reader.isMidRequest {
            context.fireErrorCaught(WireError.truncated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Handed to a tunnel after an upgrade: what followed the request is the tunnel's first bytes.
        if let leftover = reader.takeLeftover() { context.fireChannelRead(NIOAny(leftover)) }
    }
}
