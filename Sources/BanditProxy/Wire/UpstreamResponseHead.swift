import NIOCore

/// A response head as the upstream sent it: its bytes, and where each part lies in them.
///
/// Nothing is copied out while parsing: the head is forwarded by copying the kept field
/// lines into the client's head (`ClientResponseHead`), which costs a fraction of building
/// `HTTPHeaders` strings and serialising them again.
struct UpstreamResponseHead: ParsedHead {
    /// The head, from the status line through the blank line that ends it.
    let bytes: ByteBuffer
    let status: Int
    let minorVersion: Int
    let reason: Range<Int>
    let fields: [HeadField]
    let framing: FramingFields

    var isInformational: Bool { status < 200 }

    /// Whether a body follows this head: never for the answer to a HEAD request, a 1xx, a 204
    /// or a 304, whatever its framing fields say (RFC 9112 §6.3).
    func hasBody(requestIsHEAD: Bool) -> Bool {
        !requestIsHEAD && !isInformational && status != 204 && status != 304
    }

    /// The upstream will take another request on this connection after this response.
    var keepsConnectionAlive: Bool { framing.keepsAlive(minorVersion: minorVersion) }
}
