import NIOCore
import Testing

@_spi(Benchmarks) @testable import BanditProxy

/// An edited page's pieces go to the client as chunks: framed in place when made with room
/// before their bytes, copied otherwise, the same bytes on the wire either way.
@Suite struct ChunkFramingTests {
    @Test(arguments: [1, 15, 16, 255, 4096, 100_000])
    func aPieceWithRoomIsFramedInPlaceAsACopyWouldFrameIt(size: Int) {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0) }
        let allocator = ByteBufferAllocator()
        let copied = ClientBodyFraming.chunk(ByteBuffer(bytes: bytes), allocator: allocator)
        let inPlace = ClientBodyFraming.chunk(
            ClientBodyFraming.chunkable(bytes, allocator: allocator), allocator: allocator)
        #expect(inPlace == copied)
        #expect(
            Array(copied.readableBytesView.prefix(String(size, radix: 16).utf8.count + 2))
                == Array((String(size, radix: 16) + "\r\n").utf8))
        #expect(Array(copied.readableBytesView.suffix(2)) == Array("\r\n".utf8))
        #expect(copied.readableBytes == size + String(size, radix: 16).utf8.count + 4)
    }

    @Test func aSliceOfABiggerBufferIsNotWrittenOver() {
        var whole = ByteBuffer(string: "0123456789abcdefghijklmnopqrstuvwxyz")
        let slice = whole.getSlice(at: 20, length: 6)!  // "klmnop", with 20 bytes before it in `whole`
        let framed = ClientBodyFraming.chunk(slice, allocator: ByteBufferAllocator())
        #expect(String(buffer: framed) == "6\r\nklmnop\r\n")
        #expect(whole.readString(length: whole.readableBytes) == "0123456789abcdefghijklmnopqrstuvwxyz", "unchanged")
    }
}
