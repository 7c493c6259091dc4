import NIOCore

/// Bytes read from a connection and not yet turned into events, gathered across reads.
struct PendingBytes {
    var buffer: ByteBuffer?

    var isEmpty: Bool { (buffer?.readableBytes ?? 0) == 0 }

    mutating func append(_ bytes: ByteBuffer) {
        if isEmpty {
            buffer = bytes  // the usual case: no copy
        } else {
            var incoming = bytes
            buffer!.writeBuffer(&incoming)
        }
    }

    /// All of them, for whoever reads the connection next (a tunnel).
    mutating func takeAll() -> ByteBuffer? {
        defer { buffer = nil }
        return isEmpty ? nil : buffer
    }
}
