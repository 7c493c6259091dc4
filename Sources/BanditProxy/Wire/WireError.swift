/// Why bytes from a peer are not the HTTP/1.1 they should be. Each ends the connection; a
/// client gets a 400 or 431 (`MalformedRequest`), an upstream's gets the client a 502.
enum WireError: Error, CustomStringConvertible, Equatable {
    case headTooLarge
    case malformedStartLine
    case malformedField
    /// A header line continued on the next (obs-fold, RFC 9112 §5.2): refused, not unfolded.
    case obsoleteLineFolding
    case invalidContentLength
    case conflictingContentLengths
    case contentLengthWithTransferEncoding
    /// A Transfer-Encoding that applies chunked twice, or, in a request, not last: where the
    /// body ends cannot be known.
    case invalidTransferEncoding
    /// A request body in a transfer coding besides chunked, which the proxy does not decode
    /// (501, RFC 9112 §6.1).
    case unsupportedTransferCoding
    case malformedChunk
    /// Bytes arrived where no message was expected.
    case unexpectedBytes
    /// The connection closed in the middle of a message.
    case truncated

    var description: String {
        switch self {
        case .headTooLarge: "the head is larger than the proxy accepts"
        case .malformedStartLine: "malformed request or status line"
        case .malformedField: "malformed header field"
        case .obsoleteLineFolding: "header folded over several lines"
        case .invalidContentLength: "invalid Content-Length"
        case .conflictingContentLengths: "conflicting Content-Length headers"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .invalidTransferEncoding: "a Transfer-Encoding that does not end in one chunked"
        case .unsupportedTransferCoding: "a transfer coding other than chunked"
        case .malformedChunk: "malformed chunked body"
        case .unexpectedBytes: "bytes before any request"
        case .truncated: "connection closed mid-message"
        }
    }
}
