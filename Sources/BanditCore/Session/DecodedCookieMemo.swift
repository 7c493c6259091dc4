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

    public init() {}

    /// What `value` decodes to, from the memo when it is the cookie decoded last.
    mutating func decode(_ value: Substring, with decode: (Substring) -> SessionState?) -> SessionState? {
        if let cookie, cookie.utf8.elementsEqual(value.utf8) { return decoded }
        cookie = String(value)
        decoded = decode(value)
        return decoded
    }
}
