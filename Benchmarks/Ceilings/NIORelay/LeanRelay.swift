import NIOCore
import NIOPosix

/// What a lean HTTP/1.1 path could cost: heads parsed in place in the received bytes and
/// forwarded with in-place edits, as bandit-proxy's common case would need them. The request
/// head loses its hop-by-hop headers and gains the experiment header and `X-Forwarded-*`; the
/// response head loses its hop-by-hop headers and gains `Cache-Control: private` and `Vary`;
/// bodies are framed by `Content-Length` and relayed as slices. No chunked bodies, pipelining,
/// validation or error handling: a measuring stick for `bench/ceiling.sh`, not a parser to ship.
final class LeanClientSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let upstreamPort: Int
    private var upstream: UpstreamLink<ByteBuffer>?
    private var received: ByteBuffer?

    init(upstreamPort: Int) { self.upstreamPort = upstreamPort }

    func channelActive(context: ChannelHandlerContext) {
        upstream = UpstreamLink(for: context, port: upstreamPort) { [LeanUpstreamSide(client: $0)] }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if received != nil { received!.writeBuffer(&buffer) } else { received = buffer }
        while let head = LeanHead.take(from: &received!) {
            var output = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 96)
            head.forward(into: &output) { output in
                output.writeStaticString("X-Bandit-Headline: control\r\n")
                output.writeStaticString("X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n")
            }
            upstream?.write(output)
        }
        if received!.readableBytes == 0 { received = nil }
    }

    func channelReadComplete(context: ChannelHandlerContext) { upstream?.flush() }

    func channelInactive(context: ChannelHandlerContext) { upstream?.close() }
}

final class LeanUpstreamSide: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let client: Channel
    private var received: ByteBuffer?
    /// Body bytes of the current response still to relay.
    private var bodyRemaining = 0

    init(client: Channel) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if received != nil { received!.writeBuffer(&buffer) } else { received = buffer }
        while true {
            if bodyRemaining > 0 {
                guard received!.readableBytes > 0 else { break }
                let slice = received!.readSlice(length: min(bodyRemaining, received!.readableBytes))!
                bodyRemaining -= slice.readableBytes
                client.write(slice, promise: nil)
                continue
            }
            guard let head = LeanHead.take(from: &received!) else { break }
            var output = context.channel.allocator.buffer(capacity: head.bytes.readableBytes + 64)
            head.forward(into: &output) { output in
                output.writeStaticString("Cache-Control: private\r\nVary: Cookie\r\n")
            }
            bodyRemaining = head.contentLength
            // A small body already here goes out in the head's buffer: one iovec, not two.
            if bodyRemaining <= 4096, received!.readableBytes >= bodyRemaining,
                var body = received!.readSlice(length: bodyRemaining)
            {
                output.writeBuffer(&body)
                bodyRemaining = 0
            }
            client.write(output, promise: nil)
        }
        if received!.readableBytes == 0 { received = nil }
    }

    func channelReadComplete(context: ChannelHandlerContext) { client.flush() }

    func channelInactive(context: ChannelHandlerContext) { client.close(promise: nil) }
}

/// One message head, found in place: its bytes and where each header line starts and ends.
struct LeanHead {
    var bytes: ByteBuffer
    /// Header lines (without their CRLF) to forward, as ranges into `bytes`; the start line first.
    var kept: [Range<Int>] = []
    var contentLength = 0

    /// The next whole head in `buffer`, taken out of it; nil until its blank line has arrived.
    static func take(from buffer: inout ByteBuffer) -> LeanHead? {
        let end = headEnd(in: buffer)
        guard let end else { return nil }
        var head = LeanHead(bytes: buffer.readSlice(length: end)!)
        head.kept.reserveCapacity(16)
        head.bytes.withUnsafeReadableBytes { bytes in
            var lineStart = 0
            var index = 0
            while index < bytes.count - 2 {
                if bytes[index] == 13 && bytes[index + 1] == 10 {
                    let line = lineStart..<index
                    if lineStart == 0 || head.keeps(line, in: bytes) { head.kept.append(line) }
                    lineStart = index + 2
                    index += 2
                } else {
                    index += 1
                }
            }
        }
        return head
    }

    /// Whether a header line is forwarded; notes `Content-Length` on the way.
    private mutating func keeps(_ line: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard let colon = bytes[line].firstIndex(of: UInt8(ascii: ":")) else { return false }
        let name = bytes[line.lowerBound..<colon]
        func named(_ candidate: StaticString) -> Bool {
            guard name.count == candidate.utf8CodeUnitCount else { return false }
            var position = name.startIndex
            for byte in UnsafeBufferPointer(start: candidate.utf8Start, count: candidate.utf8CodeUnitCount) {
                if bytes[position] | 0x20 != byte { return false }
                position += 1
            }
            return true
        }
        switch name.count {
        case 2: return !named("te")
        case 7: return !named("trailer") && !named("upgrade")
        case 10: return !named("connection") && !named("keep-alive")
        case 14:
            if named("content-length") {
                var value = 0
                for byte in bytes[(colon + 1)..<line.upperBound] where byte >= 48 && byte <= 57 {
                    value = value * 10 + Int(byte - 48)
                }
                contentLength = value
            }
            return true
        case 17: return !named("transfer-encoding")
        default: return true
        }
    }

    /// The head with the kept lines, then the lines `additions` writes, then the blank line.
    func forward(into output: inout ByteBuffer, additions: (inout ByteBuffer) -> Void) {
        for line in kept {
            output.writeImmutableBuffer(bytes.getSlice(at: bytes.readerIndex + line.lowerBound, length: line.count)!)
            output.writeStaticString("\r\n")
        }
        additions(&output)
        output.writeStaticString("\r\n")
    }
}
