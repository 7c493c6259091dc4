import CompressNIO
import NIOCore

/// Encodes an edited page with gzip for a visitor that accepts it, as it streams: each piece
/// is flushed, so the visitor's first bytes do not wait for the end of the page.
final class BodyDeflater {
    private let zlib: ZlibCompressor

    init() throws {
        // Level 4: this runs on every edited page the site sent compressed; the default (6)
        // costs noticeably more CPU for a few percent smaller HTML.
        zlib = try ZlibCompressor(
            algorithm: .gzip, configuration: ZlibConfiguration(compressionLevel: .compressionLevel4))
    }

    /// The compressed form of `bytes` (not empty), flushed so that it can be decoded at once.
    func deflate(_ bytes: [UInt8], allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var input = allocator.buffer(bytes: bytes)
        return try run(&input, flush: .sync, allocator: allocator)
    }

    /// The end of the gzip stream.
    func finish(allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var input = allocator.buffer(capacity: 16)
        return try run(&input, flush: .finish, allocator: allocator)
    }

    private func run(_ input: inout ByteBuffer, flush: CompressNIOFlush, allocator: ByteBufferAllocator) throws
        -> ByteBuffer
    {
        var output = allocator.buffer(capacity: zlib.maxSize(from: input))
        // zlib's bound is enough for a flushed piece; the loop only guards against it not being so.
        for _ in 0..<16 {
            do {
                try zlib.deflate(from: &input, to: &output, flush: flush)
                return output
            } catch let error as CompressNIOError where error == .bufferOverflow {
                output.reserveCapacity(minimumWritableBytes: 4096)
            }
        }
        throw CompressNIOError.bufferOverflow
    }
}
