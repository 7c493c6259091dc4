/// Where a visitor came from, from the `Referer` of the request that counted the view.
public enum ReferrerClass: String, Sendable, CaseIterable {
    /// A search engine's page.
    case search
    /// A social network or a link shortener one uses.
    case social
    /// Another page of the same site (the `Host` the request was sent to).
    case `internal`
    /// No `Referer`: typed, bookmarked, or from an app or a page that sends none.
    case direct
    /// Any other site.
    case other

    /// Second-level names of search engines (`www.google.co.uk` → `google`).
    static let searchNames: Set<String> = [
        "google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia", "qwant", "startpage", "naver",
        "seznam", "brave", "search",
    ]
    static let socialNames: Set<String> = [
        "facebook", "fb", "instagram", "twitter", "linkedin", "lnkd", "reddit", "pinterest", "tiktok",
        "youtube", "whatsapp", "telegram", "threads", "mastodon", "bsky", "vk", "snapchat", "quora",
    ]

    /// Social networks whose name is too short to look for as a label.
    static let socialHosts: Set<String> = ["t.co", "x.com", "www.x.com", "lnkd.in", "fb.me", "vk.com"]

    /// Classifies a `Referer` value against the `Host` the request was sent to; nil `referer` is direct.
    public init(referer: String?, host: String?) {
        guard let referer, let refererHost = Self.host(ofURL: referer) else {
            self = .direct
            return
        }
        if let host, Self.hostname(host) == refererHost {
            self = .internal
            return
        }
        let labels = refererHost.split(separator: ".")
        // The two labels before the top-level domain: google.co.uk, m.facebook.com.
        let names = labels.dropLast().suffix(2).map(String.init)
        if Self.socialHosts.contains(refererHost) {
            self = .social
        } else if names.contains(where: Self.searchNames.contains) {
            self = .search
        } else if names.contains(where: Self.socialNames.contains) {
            self = .social
        } else {
            self = .other
        }
    }

    /// The lowercased host of an absolute URL, without port or credentials.
    static func host(ofURL url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@").last ?? authority
        let host = hostname(String(hostAndPort))
        return host.isEmpty ? nil : host
    }

    /// A `Host` value without its port, lowercased (an IPv6 literal keeps its brackets).
    static func hostname(_ hostAndPort: String) -> String {
        let lowered = hostAndPort.lowercased()
        if lowered.hasPrefix("[") { return String(lowered.prefix { $0 != "]" }) + "]" }
        return String(lowered.prefix { $0 != ":" })
    }
}
