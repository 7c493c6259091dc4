import NIOCore
import NIOPosix

/// A client connection's own upstream connection, opened on the client's event loop as it
/// arrives (a pool with perfect affinity); what the client sends before it is up waits here.
/// Shared by the three relays, which differ only in what they send and how they read back.
final class UpstreamLink<Message: Sendable> {
    private var channel: Channel?
    private var waiting: [Message] = []

    /// Connects to 127.0.0.1:`port` with `handlers` as the upstream pipeline; closes the
    /// client if the upstream cannot be reached.
    init(
        for context: ChannelHandlerContext, port: Int,
        handlers: @escaping @Sendable (_ client: Channel) -> [any ChannelHandler]
    ) {
        let client = context.channel
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(handlers(client))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.channel = channel
                    for message in self.waiting { channel.write(message, promise: nil) }
                    self.waiting = []
                    channel.flush()
                case .failure:
                    client.close(promise: nil)
                }
            }
    }

    func write(_ message: Message) {
        if let channel { channel.write(message, promise: nil) } else { waiting.append(message) }
    }

    func flush() { channel?.flush() }

    func close() { channel?.close(promise: nil) }
}

/// Where the blank line that ends a message head ends: the index just past `\r\n\r\n` in the
/// readable bytes, or nil until it has arrived.
func headEnd(in buffer: ByteBuffer) -> Int? {
    buffer.withUnsafeReadableBytes { bytes -> Int? in
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}
