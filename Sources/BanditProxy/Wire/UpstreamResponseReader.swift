import NIOCore

/// Turns the bytes of an upstream connection into response events, one at a time: the
/// caller handles each event before asking for the next, so it may send the next request
/// in between (the reader is not mid-call then).
///
/// Bodies are not copied: each body event is a slice of what was read, in the upstream's
/// own framing (a chunked body's chunks as they came), or only the chunk data when the
/// request asked for that (a client that cannot read chunks).
struct UpstreamResponseReader {
    enum Event {
        /// An informational (1xx) or final head.
        case head(UpstreamResponseHead)
        case body(ByteBuffer)
        case end
    }

    private enum State {
        /// No request is waiting for an answer.
        case idle
        case head(searchFrom: Int)
        case length(remaining: Int)
        case chunked(ChunkedBodyScanner)
        case untilClose
        /// After a 101: what follows is another protocol's, kept for the tunnel.
        case switched

        /// A body that has ended, with no byte left to read for its end.
        var endsWithoutBytes: Bool {
            switch self {
            case .length(let remaining): remaining == 0
            case .chunked(let scanner): scanner.isDone
            default: false
            }
        }
    }

    static let maxHeadBytes = 64 * 1024

    private var state = State.idle
    private var requestIsHEAD = false
    private var dechunk = false
    /// Read bytes not yet turned into events.
    private var pending = PendingBytes()
    /// The last head's field table: its storage is filled again for the next head, once
    /// that head is gone (a kept-alive connection then parses without allocating one).
    private var fieldTable: [HeadField] = []

    /// A request went out: the next head answers it.
    mutating func expectResponse(toHEAD isHEAD: Bool, dechunk: Bool) {
        state = .head(searchFrom: 0)
        requestIsHEAD = isHEAD
        self.dechunk = dechunk
    }

    mutating func append(_ bytes: ByteBuffer) { pending.append(bytes) }

    /// The next event from what has been read, or nil until more arrives.
    mutating func next() throws -> Event? {
        guard var buffer = pending.buffer, buffer.readableBytes > 0 || state.endsWithoutBytes else { return nil }
        defer { pending.buffer = buffer }
        switch state {
        case .idle:
            throw WireError.unexpectedBytes
        case .head(var searchFrom):
            guard
                let head = try ResponseHeadParser.parse(
                    buffer, maxBytes: Self.maxHeadBytes, searchFrom: &searchFrom, fieldTable: &fieldTable)
            else {
                state = .head(searchFrom: searchFrom)
                return nil
            }
            buffer.moveReaderIndex(forwardBy: head.bytes.readableBytes)
            state = bodyState(after: head)
            return .head(head)
        case .length(let remaining):
            if remaining == 0 {
                state = .idle
                return .end
            }
            let slice = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
            state = .length(remaining: remaining - slice.readableBytes)
            return .body(slice)
        case .chunked(var scanner):
            return try nextChunkedEvent(&scanner, from: &buffer)
        case .untilClose:
            return .body(buffer.readSlice(length: buffer.readableBytes)!)
        case .switched:
            return nil
        }
    }

    /// The upstream closed its side: the end of a body that runs until then, or a truncation.
    mutating func inputClosed() throws -> Event? {
        switch state {
        case .untilClose:
            state = .idle
            return .end
        case .idle, .switched:
            return nil
        default:
            throw WireError.truncated
        }
    }

    /// After a 101, the bytes that followed the head: the tunnel's first.
    mutating func takeLeftover() -> ByteBuffer? {
        guard case .switched = state else { return nil }
        return pending.takeAll()
    }

    private func bodyState(after head: UpstreamResponseHead) -> State {
        if head.status == 101 { return .switched }
        if head.isInformational { return .head(searchFrom: 0) }
        if !head.hasBody(requestIsHEAD: requestIsHEAD) { return .length(remaining: 0) }
        switch head.framing.transferCoding {
        case .chunked: return .chunked(ChunkedBodyScanner())
        case .other: return .untilClose
        case .none: return head.framing.contentLength.map { .length(remaining: $0) } ?? .untilClose
        }
    }

    private mutating func nextChunkedEvent(_ scanner: inout ChunkedBodyScanner, from buffer: inout ByteBuffer) throws
        -> Event?
    {
        if scanner.isDone {
            state = .idle
            return .end
        }
        let dechunk = self.dechunk
        let (consumed, data) = try buffer.withUnsafeReadableBytes { raw in
            try scanner.scan(raw, stopAfterData: dechunk)
        }
        state = .chunked(scanner)
        if !dechunk { return .body(buffer.readSlice(length: consumed)!) }
        let framed = buffer.readSlice(length: consumed)!
        guard let data else {
            guard scanner.isDone else { return nil }
            state = .idle
            return .end
        }
        return .body(framed.getSlice(at: framed.readerIndex + data.lowerBound, length: data.count)!)
    }
}
