import NIOHTTP1

/// The answer to a request the HTTP parser rejects: 431 when the header block is too large,
/// 501 for a transfer coding besides chunked, 400 for everything else (malformed request line, invalid header characters,
/// Content-Length with Transfer-Encoding, conflicting lengths). The connection closes after
/// it, so nothing of such a request ever reaches the upstream.
///
/// `ProxyHandler` sends it, in turn after any earlier pipelined request's response.
enum MalformedRequest {
    static func answer(for error: WireError) -> (status: HTTPResponseStatus, detail: String) {
        switch error {
        case .headTooLarge:
            (.requestHeaderFieldsTooLarge, "The request's headers are larger than this proxy accepts.")
        case .unsupportedTransferCoding:
            (.notImplemented, "The request's body is in a transfer coding this proxy does not support.")
        default:
            (.badRequest, "The request is not valid HTTP/1.1.")
        }
    }
}
