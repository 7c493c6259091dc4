import NIOHTTP1

/// Responses that depend on a visitor's arm must not be stored by shared caches, or one
/// arm would be served to everyone behind the cache.
enum CachePolicy {
    static func keepPrivate(_ headers: inout HTTPHeaders) {
        // Most pages carry neither header: one look at the names, then two additions.
        var hasCacheControl = false
        var hasVary = false
        for (name, _) in headers {
            if KnownHeader.equal(name, "cache-control") { hasCacheControl = true }
            if KnownHeader.equal(name, "vary") { hasVary = true }
        }
        if !hasCacheControl {
            headers.add(name: "Cache-Control", value: "private")
        } else {
            let directives = headers[canonicalForm: "cache-control"].map { $0.lowercased() }
            if !directives.contains(where: { $0 == "private" || $0 == "no-store" }) {
                let kept = directives.filter { $0 != "public" && !$0.hasPrefix("s-maxage") }
                headers.replaceOrAdd(name: "Cache-Control", value: (["private"] + kept).joined(separator: ", "))
            }
        }
        let vary = hasVary ? headers[canonicalForm: "vary"].map { $0.lowercased() } : []
        if !vary.contains("cookie") && !vary.contains("*") { headers.add(name: "Vary", value: "Cookie") }
    }
}
