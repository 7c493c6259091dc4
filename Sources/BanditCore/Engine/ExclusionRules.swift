import Foundation

/// Compiled `exclude` rules: requests matching any are proxied untouched.
public struct ExclusionRules: Sendable {
    private let pathPrefixes: [String]
    private let pathRegex: NSRegularExpression?
    private let userAgentRegex: NSRegularExpression?

    /// The expressions were checked by `ConfigLoader`; one that still fails to compile is ignored.
    public init(_ rules: ExcludeRules) {
        pathPrefixes = rules.paths
        pathRegex = rules.regex.flatMap { try? NSRegularExpression(pattern: $0) }
        userAgentRegex = rules.userAgents.flatMap { try? NSRegularExpression(pattern: $0) }
    }

    /// Whether there are no rules at all, so nothing is ever excluded.
    public var isEmpty: Bool { pathPrefixes.isEmpty && pathRegex == nil && userAgentRegex == nil }

    /// A rule reads the `User-Agent`; without one, a request's need not be made a String.
    public var readsUserAgent: Bool { userAgentRegex != nil }

    /// `path` is the request path without its query. Prefixes compare bytes, not Characters:
    /// a combining mark after the prefix's last "/" must not turn it into another character.
    public func excludes(path: Substring, userAgent: String?) -> Bool {
        for prefix in pathPrefixes where path.utf8.starts(with: prefix.utf8) { return true }
        if let pathRegex, ExclusionRules.search(pathRegex, in: String(path)) { return true }
        if let userAgentRegex, let userAgent, ExclusionRules.search(userAgentRegex, in: userAgent) { return true }
        return false
    }

    private static func search(_ regex: NSRegularExpression, in text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
