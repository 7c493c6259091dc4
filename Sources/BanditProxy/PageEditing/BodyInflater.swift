import CompressNIO
import NIOCore

/// Decodes a gzip or deflate body piece by piece as it arrives, through an output window of
/// fixed size: memory stays at zlib's state plus the window, whatever the page's size.
final class BodyInflater {
    private let coding: ContentCoding
    private var zlib: ZlibDecompressor?
    private var window: ByteBuffer
    /// HTTP's "deflate" is the zlib format, but some servers send raw deflate: the first two
    /// bytes tell which. A first piece of one byte waits here for the second.
    private var firstByte: ByteBuffer?
    private var ended = false

    static let windowBytes = 16 * 1024

    init(_ coding: ContentCoding, allocator: ByteBufferAllocator) throws {
        precondition(coding != .identity, "nothing to decode")
        self.coding = coding
        window = allocator.buffer(capacity: Self.windowBytes)
        if coding == .gzip { zlib = try ZlibDecompressor(algorithm: .gzip) }
    }

    /// Decodes the next piece of the body, handing each run of decoded bytes to `decoded`.
    /// Bytes after the end of the compressed stream are ignored, as browsers ignore them.
    func inflate(_ piece: ByteBuffer, _ decoded: (UnsafeRawBufferPointer) -> Void) throws {
        var input = piece
        if zlib == nil {
            if var held = firstByte {
                held.writeBuffer(&input)
                input = held
                firstByte = nil
            }
            guard input.readableBytes >= 2 else {
                firstByte = input
                return
            }
            zlib = try ZlibDecompressor(algorithm: Self.looksLikeZlib(input) ? .zlib : .deflate)
        }
        guard let zlib else { return }
        var pending = false  // zlib may hold output the full window could not take
        while !ended && (input.readableBytes > 0 || pending) {
            window.clear()
            let before = input.readableBytes
            pending = false
            do {
                try zlib.inflate(from: &input, to: &window)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                pending = true
            } catch let error as CompressNIOError where error == .inputBufferOverflow {
                // Everything given is used: the rest comes with the next piece.
            }
            if window.readableBytes > 0 { window.withUnsafeReadableBytes(decoded) }
            // Neither read nor written: the stream has ended (what follows is trailing bytes).
            if !pending && window.readableBytes == 0 && input.readableBytes == before { ended = true }
        }
    }

    /// A zlib header: compression method 8 and a check value that makes it a multiple of 31.
    private static func looksLikeZlib(_ buffer: ByteBuffer) -> Bool {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)
        else { return false }
        return first & 0x0F == 8 && first >> 4 <= 7 && (UInt16(first) << 8 | UInt16(second)) % 31 == 0
    }
}
