public import NIOHTTP1

/// Hop-by-hop header rules (RFC 9110 §7.6.1) for the request the upstream receives; a
/// response's are applied as its head is copied (`ClientResponseHead`).
enum HopByHop {
    /// The header names the `Connection` headers list, besides `keep-alive` and `close`:
    /// usually none, so usually no array is built (`headers[canonicalForm:]` builds several).
    static func connectionListed(_ headers: HTTPHeaders) -> [Substring] {
        var listed: [Substring] = []
        for (name, value) in headers where name.utf8.count == 10 && KnownHeader.equal(name, "connection") {
            UpstreamRequest.forEachToken(in: value) { token in
                if !KnownHeader.equal(token, "keep-alive") && !KnownHeader.equal(token, "close") {
                    listed.append(token)
                }
            }
        }
        return listed
    }

    /// Whether `Connection` named this header, which makes it hop-by-hop too.
    static func isListed(_ name: String, in listed: [Substring]) -> Bool {
        !listed.isEmpty && listed.contains { KnownHeader.equal($0, name) }
    }
}

/// The headers the proxy treats specially, recognised by length first and then compared
/// ASCII case-insensitively: no lowercased copy of every name a browser sends.
enum KnownHeader {
    case transferEncoding, te, otherHopByHop
    case contentLength, host, forwardedFor, forwardedProto, forwardedHost, forwarded
    case other

    init(_ name: String) {
        var name = name
        self = name.withUTF8 { KnownHeader(bytes: UnsafeRawBufferPointer($0)) }
    }

    init(bytes name: UnsafeRawBufferPointer) {
        func `is`(_ candidate: StaticString) -> Bool { HTTPSyntax.equalsLowercase(name, candidate) }
        self =
            switch name.count {
            case 2 where `is`("te"): .te
            case 4 where `is`("host"): .host
            case 7 where `is`("trailer") || `is`("upgrade"): .otherHopByHop
            case 9 where `is`("forwarded"): .forwarded
            case 10 where `is`("connection") || `is`("keep-alive"): .otherHopByHop
            case 14 where `is`("content-length"): .contentLength
            case 15 where `is`("x-forwarded-for"): .forwardedFor
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

    static func equal(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.count == b.utf8.count
            && zip(a.utf8, b.utf8).allSatisfy { HTTPSyntax.lowercased($0) == HTTPSyntax.lowercased($1) }
    }
}

/// The request the upstream receives: framing rebuilt, our experiment headers in, theirs out.
///
/// Public only so that the microbenchmarks in `Benchmarks/` can measure it.
public enum UpstreamRequest {
    public static func head(
        from client: HTTPRequestHead, uri: String, isExperimentHeader: (String) -> Bool,
        injected: [(name: String, value: String)], clientAddress: String?, clientIsTrusted: Bool,
        upstreamHost: String?
    ) -> HTTPRequestHead {
        // One pass over the client's headers: what is kept goes straight into the new head,
        // what the framing and forwarding headers need is noted on the way.
        let listed = HopByHop.connectionListed(client.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(client.headers.count + injected.count + 5)
        var hadContentLength = false
        var wasChunked = false
        var acceptsTrailers = false
        var priorForwardedFor: String?
        var hasForwardedProto = false
        var forwardedHost: String?
        var host: String?
        for (name, value) in client.headers {
            let known = KnownHeader(name)
            switch known {
            case .transferEncoding:
                wasChunked = wasChunked || Self.lists(value, "chunked")
            case .te:
                // `TE: trailers` says the client can take trailers: the upstream may send them through us.
                acceptsTrailers = acceptsTrailers || Self.lists(value, "trailers")
            default: break
            }
            if known.isHopByHop || HopByHop.isListed(name, in: listed) { continue }
            switch known {
            case .contentLength:
                hadContentLength = true
            case .host:
                host = host ?? value
                if upstreamHost != nil { continue }
            // Forwarding headers from an untrusted peer are its own claims: dropped.
            case .forwardedFor:
                if clientIsTrusted { priorForwardedFor = priorForwardedFor.map { $0 + ", " + value } ?? value }
                continue  // added below, with this client appended
            case .forwardedProto:
                guard clientIsTrusted else { continue }
                hasForwardedProto = true
            case .forwardedHost:
                guard clientIsTrusted else { continue }
                forwardedHost = value
            case .forwarded:
                guard clientIsTrusted else { continue }
            default:
                // The client's own copies of experiment headers; checking its few headers costs
                // the same with one experiment or a thousand.
                if isExperimentHeader(name) { continue }
            }
            headers.add(name: name, value: value)
        }
        if acceptsTrailers { headers.add(name: "TE", value: "trailers") }
        for (name, value) in injected { headers.add(name: name, value: value) }
        if let clientAddress {
            headers.add(
                name: "X-Forwarded-For", value: priorForwardedFor.map { $0 + ", " + clientAddress } ?? clientAddress)
        } else if let priorForwardedFor {
            headers.add(name: "X-Forwarded-For", value: priorForwardedFor)
        }
        if !hasForwardedProto { headers.add(name: "X-Forwarded-Proto", value: "http") }
        if forwardedHost == nil, let host { headers.add(name: "X-Forwarded-Host", value: host) }
        if let upstreamHost { headers.add(name: "Host", value: upstreamHost) }
        // The body keeps the client's framing: a length stays a length, chunks stay chunks.
        if wasChunked && !hadContentLength {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        } else if !hadContentLength && client.method.expectsRequestBody {
            headers.add(name: "Content-Length", value: "0")
        }
        return HTTPRequestHead(version: .http1_1, method: client.method, uri: uri, headers: headers)
    }

    /// Whether a comma-separated header value lists `token` (case-insensitively).
    static func lists(_ value: String, _ token: String) -> Bool {
        var found = false
        forEachToken(in: value) { found = found || KnownHeader.equal($0, token) }
        return found
    }

    /// Calls `body` with each non-empty, trimmed element of a comma-separated header value,
    /// without building an array of them.
    static func forEachToken(in value: String, _ body: (Substring) -> Void) {
        let text = Substring(value)
        var start = text.startIndex
        while start < text.endIndex {
            let end = text.utf8[start...].firstIndex(of: UInt8(ascii: ",")) ?? text.endIndex
            let token = text[start..<end].trimmed
            if !token.isEmpty { body(token) }
            start = end == text.endIndex ? end : text.utf8.index(after: end)
        }
    }
}

extension Substring {
    /// Without the spaces and tabs around a list element.
    var trimmed: Substring {
        var text = self
        while let first = text.utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            text = text.dropFirst()
        }
        while let last = text.utf8.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            text = text.dropLast()
        }
        return text
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
