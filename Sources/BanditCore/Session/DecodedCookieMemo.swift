import Foundation  // memcmp

/// The session cookie a connection sent last, with what it decoded to.
///
/// A keep-alive client sends the same cookie with every request until the proxy changes
/// it, and checking its signature each time costs an HMAC per request (a visible share of a
/// returning visitor's request in a profile). Decoding is a pure function of the cookie
/// and the secret, so one memo per connection, dropped when the engine (and with it the
/// secret) changes, answers the repeats.
public struct DecodedCookieMemo: Sendable {
    private var cookie: String?
    private var decoded: SessionState?

    /// An empty memo, for a new connection or a changed engine.
    public init() {}

    /// What `value` decodes to, from the memo when it is the cookie decoded last.
    mutating func decode(_ value: Substring, with decode: (Substring) -> SessionState?) -> SessionState? {
        if let cookie, Self.sameBytes(cookie, value) { return decoded }
        cookie = String(value)
        decoded = decode(value)
        return decoded
    }

    /// Byte equality over contiguous storage (a memory compare); `elementsEqual` on the two
    /// UTF-8 views steps through their iterators a byte at a time.
    private static func sameBytes(_ string: String, _ substring: Substring) -> Bool {
        let fast = string.utf8.withContiguousStorageIfAvailable { stored in
            substring.utf8.withContiguousStorageIfAvailable { candidate in
                stored.count == candidate.count
                    && (stored.isEmpty || memcmp(stored.baseAddress!, candidate.baseAddress!, stored.count) == 0)
            }
        }
        return (fast ?? nil) ?? string.utf8.elementsEqual(substring.utf8)
    }
}
