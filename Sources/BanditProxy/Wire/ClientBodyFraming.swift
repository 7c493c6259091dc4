import NIOCore

/// How a proxied response's body reaches the client, given how the upstream framed it and
/// what the client can read.
enum ClientBodyFraming: Equatable {
    /// No body (HEAD, 204, 304), or one framed by its Content-Length, passed on as it came.
    case asReceived
    /// The upstream's chunks, passed on as they came.
    case chunkedAsReceived
    /// A body the upstream ends by closing, sent to an HTTP/1.1 client in chunks so its
    /// connection can stay open.
    case chunkEncoded
    /// Ended by closing the client's connection (an HTTP/1.0 client, which cannot read chunks).
    case untilClose

    init(upstream head: UpstreamResponseHead, requestIsHEAD: Bool, clientIsHTTP10: Bool) {
        let chunked = head.framing.transferCoding == .chunked
        let hasLength = head.framing.transferCoding == .none && head.framing.contentLength != nil
        if !head.hasBody(requestIsHEAD: requestIsHEAD) || hasLength {
            self = .asReceived
        } else if clientIsHTTP10 {
            self = .untilClose  // for chunks, the reader passes on only their data
        } else {
            self = chunked ? .chunkedAsReceived : .chunkEncoded
        }
    }

    /// Whether the client's head says `Transfer-Encoding: chunked`.
    var isChunked: Bool { self == .chunkedAsReceived || self == .chunkEncoded }

    /// One piece of a body the upstream ends by closing, framed as a chunk (never empty: an
    /// empty chunk would end the body).
    ///
    /// A buffer with room for the size line before its readable bytes (an edited page's pieces
    /// are made so by `chunkable`) is framed in place rather than copied. Consuming: the
    /// caller's last reference, so that writing into it does not copy it; a buffer whose
    /// storage is shared is still copied on write.
    static func chunk(_ data: consuming ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        let sizeLine = String(data.readableBytes, radix: 16) + "\r\n"
        if data.readerIndex >= sizeLine.utf8.count {
            data.moveReaderIndex(to: data.readerIndex - sizeLine.utf8.count)
            data.setString(sizeLine, at: data.readerIndex)
            data.writeStaticString("\r\n")
            return data
        }
        var out = allocator.buffer(capacity: data.readableBytes + 20)
        out.writeString(String(data.readableBytes, radix: 16))
        out.writeStaticString("\r\n")
        out.writeImmutableBuffer(data)
        out.writeStaticString("\r\n")
        return out
    }

    /// Room for the longest chunk size line (16 hex digits and CRLF).
    static let chunkHeadroom = 18

    /// A buffer holding `bytes` after `chunkHeadroom` spare bytes, with room for the CRLF after
    /// them: `chunk` frames it without a copy.
    static func chunkable(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: chunkHeadroom + bytes.count + 2)
        buffer.moveWriterIndex(forwardBy: chunkHeadroom)
        buffer.moveReaderIndex(forwardBy: chunkHeadroom)
        buffer.writeBytes(bytes)
        return buffer
    }

    static func lastChunk(allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 5)
        out.writeStaticString("0\r\n\r\n")
        return out
    }
}
