/// What the engine needs to know about a request: plain values, no protocol types.
public struct RequestFacts: Sendable {
    public var method: String
    /// The request target as received, e.g. `/pricing/?cta=green`.
    public var uri: String
    /// Every `Cookie` header value.
    public var cookieHeaders: [String]
    public var userAgent: String?
    /// The client reached us over HTTPS (directly or as told by a trusted `X-Forwarded-Proto`).
    public var isHTTPS: Bool
    /// Seconds since 1970, for attribution windows; nil: the clock (tests set it).
    public var now: Int?

    public init(
        method: String = "GET", uri: String, cookieHeaders: [String] = [], userAgent: String? = nil,
        isHTTPS: Bool = false, now: Int? = nil
    ) {
        self.method = method
        self.uri = uri
        self.cookieHeaders = cookieHeaders
        self.userAgent = userAgent
        self.isHTTPS = isHTTPS
        self.now = now
    }

    /// The value of the first cookie called `name`, if any.
    public func cookie(named name: String) -> Substring? {
        for header in cookieHeaders {
            // The pairs one at a time, as `split(separator: ";")` would give them, without
            // building an array of them on every request.
            var rest = header[...]
            while !rest.isEmpty {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                let pair = rest[..<end]
                rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
                let trimmed = pair.drop { $0 == " " || $0 == "\t" }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name {
                    var value = trimmed[trimmed.index(after: equals)...]
                    while value.last == " " || value.last == "\t" { value = value.dropLast() }
                    if value.count >= 2, value.first == "\"", value.last == "\"" {
                        value = value.dropFirst().dropLast()
                    }
                    return value
                }
            }
        }
        return nil
    }
}
