/// Responses that depend on a visitor's arm must not be stored by shared caches, or one
/// arm would be served to everyone behind the cache.
enum CachePolicy {
    /// What to change in a response's head to keep it out of shared caches.
    struct Edits: Equatable {
        /// A `Cache-Control` to add, in place of the response's own when `replacesCacheControl`.
        var cacheControl: String?
        var replacesCacheControl = false
        var addsVaryCookie = false
    }

    /// The edits for a response with these `Cache-Control` and `Vary` values (most pages
    /// carry neither: two fields added, nothing built).
    static func keepPrivate(cacheControl: [String], vary: [String]) -> Edits {
        var edits = Edits()
        if cacheControl.isEmpty {
            edits.cacheControl = "private"
        } else {
            let directives = cacheControl.flatMap(listElements)
            if !directives.contains(where: { $0 == "private" || $0 == "no-store" }) {
                let kept = directives.filter { $0 != "public" && !$0.hasPrefix("s-maxage") }
                edits.cacheControl = (["private"] + kept).joined(separator: ", ")
                edits.replacesCacheControl = true
            }
        }
        let varies = vary.flatMap(listElements)
        edits.addsVaryCookie = !varies.contains("cookie") && !varies.contains("*")
        return edits
    }

    /// The lowercased, trimmed elements of a comma-separated value.
    private static func listElements(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmed.lowercased() }.filter { !$0.isEmpty }
    }
}

extension Substring {
    /// Without the spaces and tabs around a list element.
    var trimmed: Substring {
        var text = self
        while let first = text.utf8.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            text = text.dropFirst()
        }
        while let last = text.utf8.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            text = text.dropLast()
        }
        return text
    }
}
