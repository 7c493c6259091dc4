import NIOCore

/// Spare buffers for the heads one event loop writes (requests to the upstream, responses to
/// clients), used again once the socket has taken their bytes: each head in a buffer of its
/// own cost two allocations (the storage and its bytes), four per proxied request.
///
/// Safe whatever still holds a buffer given back: `ByteBuffer` is a value, and `clear()`
/// gives fresh storage to a buffer whose storage is still shared (a write the socket has not
/// taken yet, an exchange not yet freed), so a copy held elsewhere never changes. Only a
/// buffer nothing else holds any more is written over.
///
/// Bound to its event loop (not `Sendable`); a few kilobytes each, so a loop keeps at most
/// `maximumSpare` of them, none larger than `maximumCapacity` (a head with a small body
/// joined to it).
final class HeadBuffers {
    static let maximumSpare = 32
    static let maximumCapacity = 16 * 1024
    /// A new buffer's size: a browser's request head, or a response head with a small page.
    static let initialCapacity = 2 * 1024

    // Unchecked: only `take` and `giveBack` touch it, neither calls out while they do, and
    // the dynamic check on every access cost as much as the allocation saved.
    @exclusivity(unchecked) private var spare: [ByteBuffer] = []
    private let allocator = ByteBufferAllocator()

    init() {
        spare.reserveCapacity(Self.maximumSpare)
    }

    /// An empty buffer: a spare one if there is one.
    func take() -> ByteBuffer {
        guard var buffer = spare.popLast() else { return allocator.buffer(capacity: Self.initialCapacity) }
        buffer.clear()
        return buffer
    }

    /// `buffer` has been handed to the socket (or dropped): its storage may serve again.
    func giveBack(_ buffer: consuming ByteBuffer) {
        guard spare.count < Self.maximumSpare, buffer.capacity <= Self.maximumCapacity else { return }
        spare.append(buffer)
    }

    /// Buffers kept now.
    var spareCount: Int { spare.count }
}
