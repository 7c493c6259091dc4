public import BanditCore
public import NIOCore
import NIOHTTP1

/// The headers the proxy treats specially, recognised by length first and then compared
/// ASCII case-insensitively: no lowercased copy of every name a browser sends.
enum KnownHeader {
    case transferEncoding, te, otherHopByHop
    case host, forwardedFor, forwardedProto, forwardedHost, forwarded, realIP, acceptEncoding
    case other

    init(bytes name: UnsafeRawBufferPointer) {
        func `is`(_ candidate: StaticString) -> Bool { HTTPSyntax.equalsLowercase(name, candidate) }
        self =
            switch name.count {
            case 2 where `is`("te"): .te
            case 4 where `is`("host"): .host
            case 7 where `is`("trailer") || `is`("upgrade"): .otherHopByHop
            case 9 where `is`("forwarded"): .forwarded
            case 9 where `is`("x-real-ip"): .realIP
            case 10 where `is`("connection") || `is`("keep-alive"): .otherHopByHop
            case 15 where `is`("x-forwarded-for"): .forwardedFor
            case 15 where `is`("accept-encoding"): .acceptEncoding
            case 16 where `is`("proxy-connection"): .otherHopByHop
            case 16 where `is`("x-forwarded-host"): .forwardedHost
            case 17 where `is`("transfer-encoding"): .transferEncoding
            case 17 where `is`("x-forwarded-proto"): .forwardedProto
            case 18 where `is`("proxy-authenticate"), 19 where `is`("proxy-authorization"): .otherHopByHop
            default: .other
            }
    }

    /// Describes one connection, never forwarded (RFC 9110 §7.6.1).
    var isHopByHop: Bool {
        switch self {
        case .transferEncoding, .te, .otherHopByHop: true
        default: false
        }
    }
}

/// What the upstream is told about the codings the response may come in.
public enum AcceptEncoding: Sendable, Equatable {
    /// The client's own `Accept-Encoding`, as it sent it.
    case asSent
    /// This list instead (nil: none, which asks for the identity coding), for a page the
    /// proxy may edit and so must be able to decode.
    case replaced(String?)
}

/// The request the upstream receives, written straight from the client's head: its field
/// lines copied except hop-by-hop ones, forwarding headers a peer may not set, and the
/// client's own copies of experiment headers; ours, `X-Forwarded-*` and framing added.
///
/// The body goes as the client framed it: its Content-Length kept, or chunks declared anew.
///
/// Visible outside the module only to the microbenchmarks in `Benchmarks/`
/// (`@_spi(Benchmarks) import BanditProxy`), not part of the API.
@_spi(Benchmarks) public enum UpstreamRequest {
    public static func head(
        from client: ClientRequestHead, uri: String, isExperimentHeader: (UnsafeRawBufferPointer) -> Bool,
        injected served: [ServedArm], clientAddress: String?, clientIsTrusted: Bool,
        upstreamHost: String?, upgrade: String?, acceptEncoding: AcceptEncoding = .asSent, into out: inout ByteBuffer
    ) {
        out.reserveCapacity(minimumWritableBytes: client.bytes.readableBytes + 256)
        out.writeString(client.method.rawValue)
        out.writeInteger(HTTPSyntax.space)
        out.writeString(uri)
        out.writeStaticString(" HTTP/1.1\r\n")
        client.withBytes { raw in
            let listed = client.framing.connectionListsFields ? client.connectionListed(in: raw) : []
            var acceptsTrailers = false
            var priorForwardedFor: String?
            var hasForwardedProto = false
            var hasForwardedHost = false
            var host: HeadField?
            /// Whether the field line goes to the upstream as it came; notes what the lines
            /// added below need.
            func forwards(_ field: HeadField) -> Bool {
                let name = raw.name(of: field)
                let known = KnownHeader(bytes: name)
                switch known {
                case .te:
                    // `TE: trailers` says the client can take trailers: the upstream may send them through us.
                    acceptsTrailers = acceptsTrailers || HTTPSyntax.list(raw.value(of: field), contains: "trailers")
                    return false
                case _ where known.isHopByHop || (!listed.isEmpty && raw.lists(name, in: listed)):
                    return false
                case .host:
                    host = host ?? field
                    if upstreamHost != nil { return false }
                // Forwarding headers from an untrusted peer are its own claims: dropped.
                case .forwardedFor:
                    if clientIsTrusted {
                        let value = String(decoding: raw.value(of: field), as: UTF8.self)
                        priorForwardedFor = priorForwardedFor.map { $0 + ", " + value } ?? value
                    }
                    return false  // added below, with this client appended
                case .forwardedProto:
                    guard clientIsTrusted else { return false }
                    hasForwardedProto = true
                case .forwardedHost:
                    guard clientIsTrusted else { return false }
                    hasForwardedHost = true
                case .forwarded, .realIP:
                    guard clientIsTrusted else { return false }
                // A page the proxy may edit is asked for in codings it can decode (below).
                case .acceptEncoding:
                    if case .replaced = acceptEncoding { return false }
                default:
                    // The client's own copies of experiment headers; checking its few headers costs
                    // the same with one experiment or a thousand.
                    if isExperimentHeader(name) { return false }
                }
                return true
            }
            var copier = FieldLineCopier(raw)
            for field in client.fields {
                if forwards(field) { copier.keep(field) } else { copier.drop(field, into: &out) }
            }
            copier.finish(into: &out)
            if acceptsTrailers { out.writeStaticString("TE: trailers\r\n") }
            if case .replaced(let codings?) = acceptEncoding { out.writeField("Accept-Encoding", codings) }
            // By index: a `for` over the arms would copy each (a retain of each of its strings).
            for index in served.indices {
                if let header = served[index].header { out.writeField(header, served[index].arm) }
            }
            if let clientAddress {
                out.writeField("X-Forwarded-For", priorForwardedFor.map { $0 + ", " + clientAddress } ?? clientAddress)
            } else if let priorForwardedFor {
                out.writeField("X-Forwarded-For", priorForwardedFor)
            }
            if !hasForwardedProto { out.writeStaticString("X-Forwarded-Proto: http\r\n") }
            if !hasForwardedHost, let host {
                out.writeStaticString("X-Forwarded-Host: ")
                out.writeBytes(raw.value(of: host))
                out.writeStaticString("\r\n")
            }
        }
        if let upstreamHost { out.writeField("Host", upstreamHost) }
        // The body keeps the client's framing: a length stays a length (the field is kept
        // above), chunks stay chunks, declared in the one form every parser reads alike.
        if client.framing.transferCoding == .chunked {
            out.writeStaticString("Transfer-Encoding: chunked\r\n")
        } else if client.framing.contentLength == nil && client.method.expectsRequestBody {
            out.writeStaticString("Content-Length: 0\r\n")
        }
        if let upgrade {
            // Hop-by-hop by nature, so stripped above; an upgrade is asked for on every hop anew.
            out.writeStaticString("Connection: Upgrade\r\n")
            out.writeField("Upgrade", upgrade)
        }
        out.writeStaticString("\r\n")
    }
}

extension HTTPMethod {
    /// Methods whose requests normally carry a body, so a body-less one gets `Content-Length: 0`.
    var expectsRequestBody: Bool { self == .POST || self == .PUT || self == .PATCH }

    /// Safe to send twice (RFC 9110 §9.2.2).
    var isIdempotent: Bool {
        switch self {
        case .GET, .HEAD, .OPTIONS, .TRACE, .PUT, .DELETE: true
        default: false
        }
    }
}
