import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP clients for bodies far larger than memory: each keeps at most a chunk in hand.
enum StreamingClient {
    struct Outcome: Sendable {
        var status = 0
        /// Download: body bytes received. Upload: the upstream's answer.
        var bytes = 0
        var intact = true
        var answer = ""
        /// Download of a page (`checksPattern` false): its first and last bytes.
        var first: [UInt8] = []
        var last: [UInt8] = []
    }

    /// How many bytes of a page's start and end a download keeps.
    static let keptEnds = 4096

    /// Downloads `path`, checking the body against `BodyPattern`. It reads slowly for the first
    /// `StreamingUpstream.slowBytes` (64 KiB, then a 1 ms pause) and stops once for
    /// `StreamingUpstream.pause`, so the proxy must hold the upstream back. `received` counts
    /// the body bytes as they arrive.
    /// With `checksPattern` false the body is any bytes (a page): the outcome keeps its first
    /// and last `keptEnds` bytes instead.
    static func download(
        port: Int, path: String, received: ByteCounter, checksPattern: Bool = true
    ) async throws -> Outcome {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Outcome.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // Reads happen only when `Downloader` asks, 64 KiB at a time.
            .channelOption(.autoRead, value: false)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 << 10))
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        Downloader(path: path, checksPattern: checksPattern, promise: promise, received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    /// Uploads `size` bytes of `BodyPattern` (with a Content-Length, or chunked), writing only
    /// while the connection is writable. `sent` counts body bytes handed to the socket.
    static func upload(port: Int, size: Int, chunked: Bool, sent: ByteCounter) async throws -> Outcome {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Outcome.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        Uploader(size: size, chunked: chunked, promise: promise, sent: sent))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    private final class Downloader: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        let path: String
        let checksPattern: Bool
        let promise: EventLoopPromise<Outcome>
        let received: ByteCounter
        var outcome = Outcome()
        var paused = false

        init(path: String, checksPattern: Bool, promise: EventLoopPromise<Outcome>, received: ByteCounter) {
            self.path = path
            self.checksPattern = checksPattern
            self.promise = promise
            self.received = received
        }

        func channelActive(context: ChannelHandlerContext) {
            let head = HTTPRequestHead(
                version: .http1_1, method: .GET, uri: path, headers: ["Host": "127.0.0.1", "Connection": "close"])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.read()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): outcome.status = Int(head.status.code)
            case .body(let buffer):
                if !checksPattern {
                    keepEnds(of: buffer)
                } else if outcome.intact && !BodyPattern.matches(buffer.readableBytesView, at: outcome.bytes) {
                    outcome.intact = false
                }
                outcome.bytes += buffer.readableBytes
                received.add(buffer.readableBytes)
            case .end: promise.succeed(outcome)
            }
        }

        /// With `getBytes` (a copy), not the view's elements: a debug build reads those one by one.
        private func keepEnds(of buffer: ByteBuffer) {
            let count = buffer.readableBytes
            if outcome.first.count < StreamingClient.keptEnds {
                let length = min(count, StreamingClient.keptEnds - outcome.first.count)
                outcome.first += buffer.getBytes(at: buffer.readerIndex, length: length) ?? []
            }
            let length = min(count, StreamingClient.keptEnds)
            outcome.last += buffer.getBytes(at: buffer.readerIndex + count - length, length: length) ?? []
            if outcome.last.count > StreamingClient.keptEnds {
                outcome.last.removeFirst(outcome.last.count - StreamingClient.keptEnds)
            }
        }

        /// The next read: at once, after 1 ms while in the slow start, or after the one long pause.
        func channelReadComplete(context: ChannelHandlerContext) {
            let loop = context.eventLoop.assumeIsolated()
            if outcome.bytes >= StreamingUpstream.pauseAt && !paused {
                paused = true
                loop.scheduleTask(in: StreamingUpstream.pause) { context.read() }
            } else if outcome.bytes < StreamingUpstream.slowBytes {
                loop.scheduleTask(in: .milliseconds(1)) { context.read() }
            } else {
                context.read()
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.eof)  // no effect once the response ended
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }

    private final class Uploader: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        let size: Int
        let chunked: Bool
        let promise: EventLoopPromise<Outcome>
        let sent: ByteCounter
        var offset = 0
        var ended = false
        var outcome = Outcome()

        init(size: Int, chunked: Bool, promise: EventLoopPromise<Outcome>, sent: ByteCounter) {
            self.size = size
            self.chunked = chunked
            self.promise = promise
            self.sent = sent
        }

        func channelActive(context: ChannelHandlerContext) {
            var headers = HTTPHeaders([("Host", "127.0.0.1"), ("Content-Type", "application/octet-stream")])
            headers.add(
                name: chunked ? "Transfer-Encoding" : "Content-Length", value: chunked ? "chunked" : String(size))
            context.write(
                wrapOutboundOut(
                    .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/upload", headers: headers))),
                promise: nil)
            send(context: context)
        }

        /// Writes chunks while the connection takes them; resumes on `channelWritabilityChanged`.
        func send(context: ChannelHandlerContext) {
            while offset < size && context.channel.isWritable {
                let count = min(StreamingUpstream.chunkSize, size - offset)
                var buffer = context.channel.allocator.buffer(capacity: count)
                BodyPattern.write(offset: offset, length: count, into: &buffer)
                offset += count
                let sent = self.sent
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenSuccess { sent.add(count) }
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: written)
            }
            if offset == size && !ended {
                ended = true
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if context.channel.isWritable { send(context: context) }
            context.fireChannelWritabilityChanged()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): outcome.status = Int(head.status.code)
            case .body(let buffer): outcome.answer += String(buffer: buffer)
            case .end: promise.succeed(outcome)
            }
        }

        func channelInactive(context: ChannelHandlerContext) { promise.fail(ChannelError.eof) }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
    }
}
