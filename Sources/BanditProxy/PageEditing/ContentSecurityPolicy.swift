/// Whether a page's `Content-Security-Policy` lets it load the goal script, a same-origin
/// `<script src>`: a policy that would block it must not make goals fail silently (the proxy
/// then leaves the script out and counts the page, and the API and dashboard warn).
///
/// Reads the directive that governs script elements (`script-src-elem`, else `script-src`,
/// else `default-src`) of each policy; every policy must allow the script (CSP3 §6.1). A
/// policy with a nonce lets the proxy add that nonce to its tag, which is what the site's
/// own scripts carry.
enum ContentSecurityPolicy {
    enum Verdict: Equatable {
        /// Loads; with the nonce to put on the tag, where a policy requires one.
        case allowed(nonce: String?)
        case blocked
    }

    /// `header`: every `Content-Security-Policy` field joined by commas (nil: none).
    /// `host`: the page's `Host`, for host sources that name the site itself.
    static func goalScript(header: String?, host: String?) -> Verdict {
        guard let header else { return .allowed(nonce: nil) }
        var nonce: String?
        for policy in header.split(separator: ",") {
            switch verdict(policy, host: host?.lowercased()) {
            case .allowed(nil): continue
            case .allowed(let required?):
                // One tag carries one nonce: two policies each wanting their own cannot both be met.
                if let nonce, nonce != required { return .blocked }
                nonce = required
            case .blocked: return .blocked
            }
        }
        return .allowed(nonce: nonce)
    }

    private static func verdict(_ policy: Substring, host: String?) -> Verdict {
        var directives: [String: [Substring]] = [:]
        for directive in policy.split(separator: ";") {
            let tokens = directive.split(whereSeparator: { $0 == " " || $0 == "\t" })
            // The first of a directive counts.
            guard let name = tokens.first?.lowercased(), directives[name] == nil else { continue }
            directives[name] = Array(tokens.dropFirst())
        }
        guard let sources = directives["script-src-elem"] ?? directives["script-src"] ?? directives["default-src"]
        else { return .allowed(nonce: nil) }
        var nonce: String?
        var strictDynamic = false
        var sameOrigin = false
        for source in sources {
            let lowered = source.lowercased()
            if lowered.hasPrefix("'nonce-"), lowered.hasSuffix("'"), source.count > 8 {
                nonce = String(source.dropFirst(7).dropLast())
            } else if lowered == "'strict-dynamic'" {
                strictDynamic = true
            } else if lowered == "'self'" || lowered == "*" || lowered == "http:" || lowered == "https:" {
                sameOrigin = true
            } else if let host, matches(hostSource: lowered, host: host) {
                sameOrigin = true
            }
        }
        // 'strict-dynamic' makes a policy ignore 'self' and host sources: only a nonce loads.
        if sameOrigin && !strictDynamic { return .allowed(nonce: nil) }
        return nonce.map { .allowed(nonce: $0) } ?? .blocked
    }

    /// `example.com`, `https://example.com:8080`, `*.example.com` against `Host`.
    private static func matches(hostSource: String, host: String) -> Bool {
        var source = Substring(hostSource)
        if let scheme = source.range(of: "://") { source = source[scheme.upperBound...] }
        if let slash = source.firstIndex(of: "/") { source = source[..<slash] }
        guard !source.isEmpty, !source.hasPrefix("'") else { return false }
        let parts = host.split(separator: ":", maxSplits: 1)
        let hostName = parts.first ?? Substring(host)
        // A source without a port stands for the scheme's default one.
        let hostPortIsDefault = parts.count == 1 || parts[1] == "80" || parts[1] == "443"
        var sourceName = source
        var anyPort = false
        if source.hasSuffix(":*") {
            sourceName = source.dropLast(2)
            anyPort = true
        } else if source.contains(":") {
            return source == host
        }
        guard anyPort || hostPortIsDefault else { return false }
        if sourceName.hasPrefix("*.") { return hostName.hasSuffix(sourceName.dropFirst(1)) }
        return sourceName == hostName
    }
}
