import NIOCore
import NIOPosix

/// One client connection kept open across several requests, for tests about what happens
/// between them. Responses must carry a Content-Length.
final class KeepAliveConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending: [UInt8] = []

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects, runs `body` with the connection, closes it.
    static func open<T>(port: Int, _ body: (KeepAliveConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(KeepAliveConnection(inbound: inbound, outbound: outbound))
        }
    }

    /// Sends a GET and returns the whole response (head and body) as text.
    func get(_ path: String, headers: String = "") async throws -> String {
        try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: test\r\n\(headers)\r\n"))
        while true {
            if let response = takeResponse() { return response }
            guard let buffer = try await inbound.next() else { throw ConnectionClosed() }
            pending += buffer.readableBytesView
        }
    }

    private func takeResponse() -> String? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = pending.indices.first(where: { pending[$0...].starts(with: separator) }) else { return nil }
        let head = String(decoding: pending[..<end], as: UTF8.self)
        let length =
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        let total = end + separator.count + length
        guard pending.count >= total else { return nil }
        let response = String(decoding: pending[..<total], as: UTF8.self)
        pending.removeFirst(total)
        return response
    }

    struct ConnectionClosed: Error {}
}
