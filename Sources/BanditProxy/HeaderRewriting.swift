public import NIOHTTP1

/// Hop-by-hop header rules (RFC 9110 §7.6.1), shared by both directions.
///
/// Public only so that the microbenchmarks in `Benchmarks/` can measure it.
public enum HopByHop {
    /// Headers that describe one connection, never forwarded.
    static let names = [
        "connection", "proxy-connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade",
    ]

    /// Removes the hop-by-hop headers and every header named in a `Connection` header.
    /// `HTTPHeaders.remove(name:)` compares case-insensitively without allocating.
    public static func strip(_ headers: inout HTTPHeaders) {
        for token in headers[canonicalForm: "connection"] { headers.remove(name: String(token)) }
        for name in names { headers.remove(name: name) }
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
        var headers = client.headers
        let hadContentLength = headers.contains(name: "content-length")
        let wasChunked = headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
        let acceptsTrailers = headers[canonicalForm: "te"].contains { $0.lowercased() == "trailers" }
        HopByHop.strip(&headers)
        // `TE: trailers` says the client can take trailers: the upstream may send them through us.
        if acceptsTrailers { headers.add(name: "TE", value: "trailers") }
        // The client's own copies of experiment headers; checking its few headers costs the
        // same with one experiment or a thousand.
        var spoofed: [String] = []
        for header in headers where isExperimentHeader(header.name) { spoofed.append(header.name) }
        for name in spoofed { headers.remove(name: name) }
        for (name, value) in injected { headers.add(name: name, value: value) }

        // Forwarding headers from an untrusted peer are its own claims: replace them.
        if !clientIsTrusted {
            for name in ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"] {
                headers.remove(name: name)
            }
        }
        if let clientAddress {
            let prior = headers["x-forwarded-for"].joined(separator: ", ")
            headers.replaceOrAdd(
                name: "X-Forwarded-For", value: prior.isEmpty ? clientAddress : prior + ", " + clientAddress)
        }
        if !headers.contains(name: "x-forwarded-proto") { headers.add(name: "X-Forwarded-Proto", value: "http") }
        if !headers.contains(name: "x-forwarded-host"), let host = headers.first(name: "host") {
            headers.add(name: "X-Forwarded-Host", value: host)
        }
        if let upstreamHost { headers.replaceOrAdd(name: "Host", value: upstreamHost) }
        // The body keeps the client's framing: a length stays a length, chunks stay chunks.
        if wasChunked && !hadContentLength {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        } else if !hadContentLength && client.method.expectsRequestBody {
            headers.add(name: "Content-Length", value: "0")
        }
        return HTTPRequestHead(version: .http1_1, method: client.method, uri: uri, headers: headers)
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
