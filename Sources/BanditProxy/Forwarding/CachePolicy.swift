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

    /// The edits for a response with this head. Most pages carry neither `Cache-Control` nor
    /// `Vary`: one look at the field names, two fields added, no directive string built.
    static func keepPrivate(_ head: some ParsedHead) -> Edits {
        var hasCacheControl = false
        var directives: [String] = []
        var varies: [String] = []
        head.withBytes { raw in
            for field in head.fields {
                let name = raw.name(of: field)
                if HTTPSyntax.equalsLowercase(name, "cache-control") {
                    hasCacheControl = true
                    HTTPSyntax.forEachListElement(in: raw.value(of: field)) { directives.append(lowercased($0)) }
                } else if HTTPSyntax.equalsLowercase(name, "vary") {
                    HTTPSyntax.forEachListElement(in: raw.value(of: field)) { varies.append(lowercased($0)) }
                }
            }
        }
        var edits = Edits()
        if !hasCacheControl {
            edits.cacheControl = "private"
        } else if !directives.contains(where: { $0 == "private" || $0 == "no-store" }) {
            let kept = directives.filter { $0 != "public" && !$0.hasPrefix("s-maxage") }
            edits.cacheControl = (["private"] + kept).joined(separator: ", ")
            edits.replacesCacheControl = true
        }
        edits.addsVaryCookie = !varies.contains("cookie") && !varies.contains("*")
        return edits
    }

    private static func lowercased(_ element: UnsafeRawBufferPointer) -> String {
        String(decoding: element, as: UTF8.self).lowercased()
    }
}
