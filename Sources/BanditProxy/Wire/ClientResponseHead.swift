import BanditCore
import NIOCore
import NIOHTTP1

/// Writes the heads the client receives. A proxied head is the upstream's, its kept field
/// lines copied as they are; the proxy's own (error pages, admin) come from `HTTPResponseHead`.
enum ClientResponseHead {
    /// Which of the upstream's fields the client must not see besides the hop-by-hop ones.
    struct Dropped {
        var cacheControl = false
        /// The body is edited on its way: its length and strong validator no longer hold.
        var lengthAndETag = false
        /// The body was decoded on its way: the proxy writes the visitor's coding itself.
        var contentEncoding = false
    }

    /// The upstream's status line and fields without the hop-by-hop ones, written to `out`;
    /// the caller adds its own fields and then `end`.
    static func start(from head: UpstreamResponseHead, dropping dropped: Dropped = .init(), into out: inout ByteBuffer)
    {
        out.reserveCapacity(minimumWritableBytes: head.bytes.readableBytes + 512)
        head.withBytes { raw in
            out.writeStaticString("HTTP/1.1 ")
            out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[9..<12]))
            out.writeInteger(HTTPSyntax.space)
            out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[head.reason]))
            out.writeStaticString("\r\n")
            let listed = head.framing.connectionListsFields ? head.connectionListed(in: raw) : []
            var copier = FieldLineCopier(raw)
            for field in head.fields {
                let name = raw.name(of: field)
                if KnownHeader(bytes: name).isHopByHop
                    || (dropped.cacheControl && HTTPSyntax.equalsLowercase(name, "cache-control"))
                    || (dropped.lengthAndETag
                        && (HTTPSyntax.equalsLowercase(name, "content-length")
                            || HTTPSyntax.equalsLowercase(name, "etag")))
                    || (dropped.contentEncoding && HTTPSyntax.equalsLowercase(name, "content-encoding"))
                    || (!listed.isEmpty && raw.lists(name, in: listed))
                {
                    copier.drop(field, into: &out)
                } else {
                    copier.keep(field)
                }
            }
            copier.finish(into: &out)
        }
    }

    /// The proxy's own head: status line and fields, through the blank line.
    static func serialize(_ head: HTTPResponseHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 256)
        out.writeStaticString("HTTP/1.1 ")
        out.writeString(String(head.status.code))
        out.writeInteger(HTTPSyntax.space)
        out.writeString(head.status.reasonPhrase)
        out.writeStaticString("\r\n")
        for (name, value) in head.headers { out.writeField(name, value) }
        end(&out)
        return out
    }

    static func end(_ out: inout ByteBuffer) {
        out.writeStaticString("\r\n")
    }
}

extension ByteBuffer {
    /// One `name: value` line. Our own fields only: their values come from us, not a peer.
    ///
    /// Written in one reach into the buffer's storage: four writes were four dynamic
    /// exclusivity checks in it, for each of the several fields of every head.
    mutating func writeField(_ name: String, _ value: String) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: name.utf8.count + value.utf8.count + 4) { out in
            var line = UTF8Writer(out)
            line.append(name)
            line.append(": " as StaticString)
            line.append(value)
            line.append("\r\n" as StaticString)
            return line.count
        }
    }
}
