import NIOCore
import NIOPosix

final class ClientSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let upstreamPort: Int
    private var upstream: UpstreamLink<ByteBuffer>?
    private static let injected: StaticString = "X-Bandit-Headline: control\r\n"

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    func channelActive(context: ChannelHandlerContext) {
        upstream = UpstreamLink(for: context, port: upstreamPort) { [UpstreamSide(client: $0)] }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        upstream?.write(withInjectedHeader(unwrapInboundIn(data), allocator: context.channel.allocator))
    }

    func channelReadComplete(context: ChannelHandlerContext) { upstream?.flush() }

    func channelInactive(context: ChannelHandlerContext) { upstream?.close() }

    /// The request with one header added before the blank line that ends its head (requests
    /// are assumed to arrive whole: wrk's are small and not pipelined).
    private func withInjectedHeader(_ buffer: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        // The new header goes before the blank line's own CRLF.
        guard let end = headEnd(in: buffer).map({ $0 - 2 }) else { return buffer }
        var output = allocator.buffer(capacity: buffer.readableBytes + Self.injected.utf8CodeUnitCount)
        output.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex, length: end)!)
        output.writeStaticString(Self.injected)
        output.writeImmutableBuffer(buffer.getSlice(at: buffer.readerIndex + end, length: buffer.readableBytes - end)!)
        return output
    }
}

final class UpstreamSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let client: Channel

    init(client: Channel) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.write(unwrapInboundIn(data), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { client.flush() }

    func channelInactive(context: ChannelHandlerContext) { client.close(promise: nil) }
}
