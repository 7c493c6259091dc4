import NIOCore

/// A response head as the upstream sent it: its bytes, and where each part lies in them.
///
/// Nothing is copied out while parsing: the head is forwarded by copying the kept field
/// lines into the client's head (`ClientResponseHead`), which costs a fraction of building
/// `HTTPHeaders` strings and serialising them again.
struct UpstreamResponseHead {
    /// Offsets of a field's name and (trimmed) value within `bytes`.
    struct Field {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    enum TransferCoding {
        case none, chunked
        /// Codings that do not end in chunked: the body runs until the connection closes.
        case other
    }

    /// The head, from the status line through the blank line that ends it.
    let bytes: ByteBuffer
    let status: Int
    let minorVersion: Int
    let reason: Range<Int>
    let fields: [Field]
    let contentLength: Int?
    let transferCoding: TransferCoding
    let connectionClose: Bool
    let connectionKeepAlive: Bool
    /// `Connection` names other fields, which are then hop-by-hop too.
    let connectionListsFields: Bool

    var isInformational: Bool { status < 200 }

    /// The upstream will take another request on this connection after this response.
    var keepsConnectionAlive: Bool {
        !connectionClose && (minorVersion >= 1 || connectionKeepAlive)
    }

    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try bytes.withUnsafeReadableBytes(body)
    }

    /// The first value of the field `name` (lowercase), as a string.
    func firstValue(of name: StaticString) -> String? {
        withBytes { raw in
            for field in fields where HTTPSyntax.equalsLowercase(raw.name(of: field), name) {
                return String(decoding: raw.value(of: field), as: UTF8.self)
            }
            return nil
        }
    }

    /// Every value of the field `name` (lowercase), as strings.
    func values(of name: StaticString) -> [String] {
        withBytes { raw in
            fields.filter { HTTPSyntax.equalsLowercase(raw.name(of: $0), name) }.map {
                String(decoding: raw.value(of: $0), as: UTF8.self)
            }
        }
    }
}

extension UnsafeRawBufferPointer {
    func name(of field: UpstreamResponseHead.Field) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[Int(field.nameStart)..<Int(field.nameEnd)])
    }

    func value(of field: UpstreamResponseHead.Field) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[Int(field.valueStart)..<Int(field.valueEnd)])
    }
}
