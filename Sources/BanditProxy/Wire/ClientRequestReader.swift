import NIOCore

/// Turns the bytes of a client connection into request events, one at a time (the proxy
/// serves each, or queues it behind the response in progress).
///
/// Bodies are not copied: each body event is a slice of what was read, in the client's own
/// framing (a chunked body's chunks as they came), which the upstream receives unchanged.
struct ClientRequestReader {
    /// CR LF as a big-endian `UInt16` (`ByteBuffer`'s default byte order).
    private static let crlf = UInt16(UInt8(ascii: "\r")) << 8 | UInt16(UInt8(ascii: "\n"))

    enum Event {
        case head(ClientRequestHead)
        /// Body bytes as framed by the client, and how many of them are data.
        case body(ByteBuffer, dataBytes: Int)
        case end
    }

    private enum State {
        case head(searchFrom: Int)
        case length(remaining: Int)
        case chunked(ChunkedBodyScanner)
        /// After an upgrade request: what follows is another protocol's, kept for the tunnel.
        case switched
        /// After an error: nothing more is read.
        case failed
    }

    private var state = State.head(searchFrom: 0)
    private var switchesAfterRequest = false
    /// Read bytes not yet turned into events.
    private var pending = PendingBytes()
    /// The last head's field table: its storage is filled again for the next head, once
    /// that head is gone (a kept-alive connection then parses without allocating one).
    private var fieldTable: [HeadField] = []
    let maxHeadBytes: Int

    init(maxHeadBytes: Int) {
        self.maxHeadBytes = maxHeadBytes
    }

    /// Part of a request has been read, not all of it.
    var isMidRequest: Bool {
        switch state {
        case .head: !pending.isEmpty
        case .length(let remaining): remaining > 0
        case .chunked(let scanner): !scanner.isDone
        case .switched, .failed: false
        }
    }

    mutating func append(_ bytes: ByteBuffer) { pending.append(bytes) }

    /// The next event from what has been read, or nil until more arrives.
    mutating func next() throws -> Event? {
        guard var buffer = pending.buffer else { return nil }
        defer { pending.buffer = buffer }
        do {
            return try next(from: &buffer)
        } catch {
            state = .failed
            throw error
        }
    }

    private mutating func next(from buffer: inout ByteBuffer) throws -> Event? {
        switch state {
        case .head(var searchFrom):
            // Empty lines before a request line are ignored (RFC 9112 §2.2).
            // (Read as one integer: a view of the bytes, searched generically, cost a retain and
            // a loop on every request.)
            while searchFrom == 0, buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) == Self.crlf {
                buffer.moveReaderIndex(forwardBy: 2)
            }
            guard buffer.readableBytes > 0,
                let head = try RequestHeadParser.parse(
                    buffer, maxBytes: maxHeadBytes, searchFrom: &searchFrom, fieldTable: &fieldTable)
            else {
                state = .head(searchFrom: searchFrom)
                return nil
            }
            buffer.moveReaderIndex(forwardBy: head.bytes.readableBytes)
            switchesAfterRequest = head.requestedUpgrade != nil
            switch head.framing.transferCoding {
            case .chunked: state = .chunked(ChunkedBodyScanner())
            default: state = .length(remaining: head.framing.contentLength ?? 0)
            }
            return .head(head)
        case .length(let remaining):
            if remaining == 0 {
                endRequest()
                return .end
            }
            guard buffer.readableBytes > 0 else { return nil }
            let slice = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
            state = .length(remaining: remaining - slice.readableBytes)
            return .body(slice, dataBytes: slice.readableBytes)
        case .chunked(var scanner):
            if scanner.isDone {
                endRequest()
                return .end
            }
            guard buffer.readableBytes > 0 else { return nil }
            let before = scanner.dataBytes
            let (consumed, _) = try buffer.withUnsafeReadableBytes { try scanner.scan($0, stopAfterData: false) }
            state = .chunked(scanner)
            return .body(buffer.readSlice(length: consumed)!, dataBytes: scanner.dataBytes - before)
        case .switched, .failed:
            return nil
        }
    }

    private mutating func endRequest() {
        state = switchesAfterRequest ? .switched : .head(searchFrom: 0)
    }

    /// After an upgrade request, the bytes that followed it: the tunnel's first.
    mutating func takeLeftover() -> ByteBuffer? {
        guard case .switched = state else { return nil }
        return pending.takeAll()
    }
}
