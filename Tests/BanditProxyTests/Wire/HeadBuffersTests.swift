import NIOCore
import Testing

@testable import BanditProxy

/// The heads an event loop writes reuse buffers the socket has done with, and never one whose
/// bytes something still holds.
@Suite struct HeadBuffersTests {
    private static func storageAddress(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func aBufferNothingElseHoldsIsWrittenAgain() {
        let buffers = HeadBuffers()
        var first = buffers.take()
        first.writeString("GET / HTTP/1.1\r\n\r\n")
        let address = Self.storageAddress(first)
        buffers.giveBack(first)
        first = ByteBuffer()  // the socket has written it and let go

        var second = buffers.take()
        #expect(second.readableBytes == 0)
        second.writeString("GET /b HTTP/1.1\r\n\r\n")
        #expect(Self.storageAddress(second) == address)
    }

    @Test func aBufferStillHeldElsewhereKeepsItsBytes() {
        let buffers = HeadBuffers()
        var head = buffers.take()
        head.writeString("HTTP/1.1 200 OK\r\n\r\n")
        let stillQueued = head  // a write the socket has not taken yet
        buffers.giveBack(head)

        var next = buffers.take()
        next.writeString("HTTP/1.1 404 Not Found\r\n\r\n")
        #expect(String(buffer: stillQueued) == "HTTP/1.1 200 OK\r\n\r\n")
        #expect(String(buffer: next) == "HTTP/1.1 404 Not Found\r\n\r\n")
    }

    @Test func aLoopKeepsAFewSmallBuffersAtMost() {
        let buffers = HeadBuffers()
        for _ in 0..<(HeadBuffers.maximumSpare + 10) { buffers.giveBack(ByteBuffer(repeating: 0, count: 100)) }
        #expect(buffers.spareCount == HeadBuffers.maximumSpare)

        let emptied = HeadBuffers()
        emptied.giveBack(ByteBuffer(repeating: 0, count: HeadBuffers.maximumCapacity + 1))
        #expect(emptied.spareCount == 0)
    }
}
