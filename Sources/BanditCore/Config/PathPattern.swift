/// A path an experiment reacts to: exact (ignoring the query and a trailing slash), or a
/// prefix when written with a trailing `*`.
public struct PathPattern: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Normalised form: no trailing slash (except the root "/"), no `*`.
    public let path: String
    public let isPrefix: Bool

    /// `raw` must start with "/"; validation happens in `ConfigLoader`.
    public init(_ raw: String) {
        var text = Substring(raw)
        isPrefix = text.hasSuffix("*")
        if isPrefix { text = text.dropLast() }
        path = isPrefix ? String(text) : PathPattern.normalise(text)
    }

    public var description: String { isPrefix ? path + "*" : path }

    /// Strips the query string and one trailing slash ("/" stays "/").
    public static func normalise(_ requestTarget: Substring) -> String {
        var path = requestTarget
        if let q = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<q] }
        if path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return path.isEmpty ? "/" : String(path)
    }

    /// Whether a normalised request path matches.
    public func matches(normalisedPath: String) -> Bool {
        if !isPrefix { return normalisedPath == path }
        // "/blog/*" also matches "/blog", which normalisation made of "/blog/".
        return normalisedPath.hasPrefix(path) || (path.hasSuffix("/") && normalisedPath + "/" == path)
    }
}
