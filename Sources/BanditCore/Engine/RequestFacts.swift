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

    public init(
        method: String = "GET", uri: String, cookieHeaders: [String] = [], userAgent: String? = nil,
        isHTTPS: Bool = false
    ) {
        self.method = method
        self.uri = uri
        self.cookieHeaders = cookieHeaders
        self.userAgent = userAgent
        self.isHTTPS = isHTTPS
    }

    /// The value of the first cookie called `name`, if any.
    public func cookie(named name: String) -> Substring? {
        for header in cookieHeaders {
            for pair in header.split(separator: ";") {
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

/// Something to add to the counts once the upstream has answered.
public struct CountEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case assignment, view, conversion
    }
    public var kind: Kind
    /// Index into the engine's experiments.
    public var experiment: Int
    public var arm: Int

    public init(_ kind: Kind, experiment: Int, arm: Int) {
        self.kind = kind
        self.experiment = experiment
        self.arm = arm
    }
}

/// The engine's answer for one request: what to tell the upstream, what to count, which cookie to set.
public struct Decision: Sendable {
    /// The request target to send upstream when it differs from the client's (stripped or injected query).
    public var rewrittenURI: String?
    /// Headers to add (after removing every experiment header the client sent).
    public var headers: [(name: String, value: String)] = []
    /// Assignments made by this request: counted when the response is delivered, whatever its status.
    public var assignments: [CountEvent] = []
    /// Views and conversions: counted only if the upstream answers with a status below 400.
    public var pendingCounts: [CountEvent] = []
    /// `Set-Cookie` value when the counts are committed, and when they are not.
    public var cookieIfCounted: String?
    public var cookieIfNotCounted: String?
    /// The request matched an exclusion rule: proxied untouched.
    public var excluded = false
    /// The arms this request carries, for access logs: (experiment, arm).
    public var served: [(experiment: String, arm: String)] = []

    public init() {}

    /// The `Set-Cookie` value for a response with this status.
    public func cookie(forStatus status: Int) -> String? {
        status < 400 ? cookieIfCounted : cookieIfNotCounted
    }

    /// Whether a response with this status commits the pending counts.
    public static func counts(status: Int) -> Bool { status < 400 }
}
