import NIOCore
import NIOPosix

final class ClientSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let upstreamPort: Int
    private var upstream: Channel?
    private var waiting: [ByteBuffer] = []
    private static let injected: StaticString = "X-Bandit-Headline: control\r\n"

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    func channelActive(context: ChannelHandlerContext) {
        let client = context.channel
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamSide(client: client))
                }
            }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.upstream = channel
                    for buffer in self.waiting { channel.write(buffer, promise: nil) }
                    self.waiting = []
                    channel.flush()
                case .failure:
                    client.close(promise: nil)
                }
            }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = withInjectedHeader(unwrapInboundIn(data), allocator: context.channel.allocator)
        if let upstream { upstream.write(request, promise: nil) } else { waiting.append(request) }
    }

    func channelReadComplete(context: ChannelHandlerContext) { upstream?.flush() }

    func channelInactive(context: ChannelHandlerContext) { upstream?.close(promise: nil) }

    /// The request with one header added before the blank line that ends its head (requests
    /// are assumed to arrive whole: wrk's are small and not pipelined).
    private func withInjectedHeader(_ buffer: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        let end = buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4)
            where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                return index + 2
            }
            return nil
        }
        guard let end else { return buffer }
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
