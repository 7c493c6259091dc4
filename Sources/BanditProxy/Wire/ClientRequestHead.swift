public import BanditCore
public import NIOCore
import NIOHTTP1

/// A request head as the client sent it: its bytes, and where each part lies in them. The
/// upstream's head is written from it (`UpstreamRequest`), its kept field lines copied.
///
/// Visible outside the module only to the microbenchmarks in `Benchmarks/` (`@_spi(Benchmarks)`),
/// which measure the request phase; not part of the API.
@_spi(Benchmarks) public struct ClientRequestHead: ParsedHead {
    /// The head, from the request line through the blank line that ends it.
    let bytes: ByteBuffer
    let method: HTTPMethod
    /// The request target as received.
    public let uri: String
    let minorVersion: Int
    let fields: [HeadField]
    let framing: FramingFields

    var isKeepAlive: Bool { framing.keepsAlive(minorVersion: minorVersion) }

    /// The protocol the client asks to switch to: `Upgrade: x` with `upgrade` among the
    /// `Connection` options (RFC 9110 §7.8).
    var requestedUpgrade: String? {
        framing.connectionListsUpgrade ? firstValue(of: "upgrade") : nil
    }

    /// Whether the answer may be a page: its `Accept` names `text/html` (as a browser's
    /// navigation does, and not its requests for images, styles or scripts), or it has none.
    var mayAcceptHTML: Bool {
        guard let accept = joinedValues(of: "accept", separator: ",") else { return true }
        return accept.lowercased().contains("text/html")
    }

    /// What the experiment engine needs to know of this request. `X-Forwarded-Proto` counts
    /// only from a trusted peer.
    /// What the engine reads; the `User-Agent` only where it is asked for (an exclusion rule).
    public func facts(clientIsTrusted: Bool, readingUserAgent: Bool = true) -> RequestFacts {
        RequestFacts(
            method: method.rawValue, uri: uri, cookieHeader: joinedValues(of: "cookie", separator: "; "),
            userAgent: readingUserAgent ? firstValue(of: "user-agent") : nil,
            isHTTPS: isHTTPS(clientIsTrusted: clientIsTrusted))
    }

    /// The client reached us over HTTPS, as a trusted peer's `X-Forwarded-Proto` says.
    func isHTTPS(clientIsTrusted: Bool) -> Bool {
        clientIsTrusted && firstValue(of: "x-forwarded-proto")?.lowercased() == "https"
    }
}

/// Parses an HTTP/1.x request head in place, as strictly as llhttp (`FieldLines`): a token
/// method, a request target of visible ASCII, HTTP/1.0 or HTTP/1.1; one Content-Length,
/// never with Transfer-Encoding, and a Transfer-Encoding only if it is chunked alone.
@_spi(Benchmarks) public enum RequestHeadParser {
    /// The head at the start of `buffer`, or nil while it is incomplete. `searchFrom` skips
    /// what an earlier call already searched for the blank line.
    public static func parse(_ buffer: ByteBuffer, maxBytes: Int, searchFrom: inout Int) throws -> ClientRequestHead? {
        var fieldTable: [HeadField] = []
        return try parse(buffer, maxBytes: maxBytes, searchFrom: &searchFrom, fieldTable: &fieldTable)
    }

    /// The same, the head's field table written in `fieldTable` (see `FieldLines.parse`).
    static func parse(
        _ buffer: ByteBuffer, maxBytes: Int, searchFrom: inout Int, fieldTable: inout [HeadField]
    ) throws -> ClientRequestHead? {
        try FieldLines.readHead(
            from: buffer, maxBytes: maxBytes, searchFrom: &searchFrom, fieldTable: &fieldTable, parseHead)
    }

    private static func parseHead(
        _ raw: UnsafeRawBufferPointer, bytes: ByteBuffer, fieldTable: inout [HeadField]
    ) throws -> ClientRequestHead {
        var position = 0
        let methodStart = position
        while HTTPSyntax.isTokenByte(raw[position]) { position += 1 }
        let methodEnd = position
        guard methodEnd > methodStart, raw[position] == HTTPSyntax.space else { throw WireError.malformedStartLine }
        position += 1
        let uriStart = position
        while raw[position] > HTTPSyntax.space && raw[position] < 0x7F { position += 1 }
        let uriEnd = position
        guard uriEnd > uriStart, raw[position] == HTTPSyntax.space, position + 10 <= raw.count else {
            throw WireError.malformedStartLine
        }
        position += 1
        let version = UnsafeRawBufferPointer(rebasing: raw[position..<position + 8])
        guard HTTPSyntax.has("HTTP/1.", in: version, at: 0),
            version[7] == UInt8(ascii: "0") || version[7] == UInt8(ascii: "1"),
            raw[position + 8] == HTTPSyntax.cr, raw[position + 9] == HTTPSyntax.lf
        else { throw WireError.malformedStartLine }
        let framing = try FieldLines.parse(
            raw, from: position + 10, repeatedLengthAllowed: false, into: &fieldTable)
        // A request body must be framed by chunks when any coding is applied (RFC 9112 §6.3).
        guard framing.transferCoding != .other else { throw WireError.invalidTransferEncoding }
        // Other codings are refused, not passed on: the upstream then receives exactly
        // `Transfer-Encoding: chunked`, which no parser downstream can read another way.
        guard !framing.appliesOtherCodings else { throw WireError.unsupportedTransferCoding }
        let method = UnsafeRawBufferPointer(rebasing: raw[methodStart..<methodEnd])
        return ClientRequestHead(
            bytes: bytes, method: HTTPMethod(bytes: method),
            uri: String(decoding: UnsafeRawBufferPointer(rebasing: raw[uriStart..<uriEnd]), as: UTF8.self),
            minorVersion: Int(version[7] - UInt8(ascii: "0")), fields: fieldTable, framing: framing)
    }
}

extension HTTPMethod {
    /// The method named by these bytes; the common ones without building a string first.
    init(bytes: UnsafeRawBufferPointer) {
        func `is`(_ name: StaticString) -> Bool {
            bytes.count == name.utf8CodeUnitCount
                && bytes.elementsEqual(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        if `is`("GET") {
            self = .GET
        } else if `is`("POST") {
            self = .POST
        } else if `is`("HEAD") {
            self = .HEAD
        } else {
            self = HTTPMethod(rawValue: String(decoding: bytes, as: UTF8.self))
        }
    }
}
