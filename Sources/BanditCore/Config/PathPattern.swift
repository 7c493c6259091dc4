/// A path an experiment reacts to: exact (ignoring the query and a trailing slash), or a
/// prefix when written with a trailing `*`.
public struct PathPattern: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Normalised form: no trailing slash (except the root "/"), no `*`.
    public let path: String
    /// Whether it matches every path starting with `path` (written with a trailing `*`).
    public let isPrefix: Bool

    /// `raw` must start with "/"; validation happens in `ConfigLoader`.
    public init(_ raw: String) {
        var text = Substring(raw)
        isPrefix = text.hasSuffix("*")
        if isPrefix { text = text.dropLast() }
        path = isPrefix ? String(text) : PathPattern.normalise(text)
    }

    /// As written in the configuration: the normalised path, with `*` for a prefix.
    public var description: String { isPrefix ? path + "*" : path }

    /// Strips the query string and trailing slashes ("/" stays "/"), so that normalising
    /// twice changes nothing.
    ///
    /// Works on bytes, as the upstream reads the target: a combining mark after a `?` or `/`
    /// fuses with it into another `Character`, but the byte is still a delimiter.
    public static func normalise(_ requestTarget: Substring) -> String {
        var path = requestTarget
        if let q = path.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            path = path[..<q]
        }
        while path.utf8.count > 1, path.utf8.last == UInt8(ascii: "/") {
            path = path[..<path.utf8.index(before: path.utf8.endIndex)]
        }
        return path.isEmpty ? "/" : String(path)
    }

    /// Whether a normalised request path matches.
    public func matches(normalisedPath: String) -> Bool {
        // Bytes, as the upstream compares them: "é" and "e" + U+0301 are different paths to it.
        if !isPrefix { return normalisedPath.utf8.elementsEqual(path.utf8) }
        if normalisedPath.utf8.starts(with: path.utf8) { return true }
        // "/blog/*" also matches "/blog", which normalisation made of "/blog/" (and "/blog//").
        var bare = path.utf8[...]
        while bare.count > 1, bare.last == UInt8(ascii: "/") { bare = bare.dropLast() }
        return normalisedPath.utf8.elementsEqual(bare)
    }
}
