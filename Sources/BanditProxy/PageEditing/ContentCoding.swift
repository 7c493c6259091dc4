import Foundation

/// The content codings of a page the proxy edits: it decodes gzip and deflate (with
/// compress-nio) and encodes gzip, so that an edited page travels compressed both ways.
enum ContentCoding: Equatable {
    case identity, gzip, deflate

    /// The coding a `Content-Encoding` value names; nil for one the proxy cannot decode
    /// (`br`, `zstd`, several codings stacked).
    init?(contentEncoding value: String?) {
        switch value?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "", "identity": self = .identity
        case "gzip", "x-gzip": self = .gzip
        case "deflate": self = .deflate
        default: return nil
        }
    }

    /// What to ask the upstream for, given the visitor's `Accept-Encoding`: the codings among
    /// gzip and deflate the visitor accepts too, so that a response the proxy does not edit
    /// (an image of the same session) still reaches the visitor in a coding it understands.
    /// Nil: none, which asks for the identity coding (RFC 9110 §12.5.3).
    static func upstreamAcceptEncoding(visitorAccepts header: String?) -> String? {
        let accepted = [ContentCoding.gzip, .deflate].filter { accepts($0, header) }
        return accepted.isEmpty ? nil : accepted.map(\.name).joined(separator: ", ")
    }

    /// Whether an `Accept-Encoding` value accepts this coding: named, or `*`, with a weight
    /// above 0 (RFC 9110 §12.5.3). No header accepts only the identity coding here, as
    /// proxies commonly read it.
    static func accepts(_ coding: ContentCoding, _ header: String?) -> Bool {
        guard let header else { return coding == .identity }
        var named: Bool?
        var wildcard: Bool?
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";")
            let token = parts.first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            let weight = parts.dropFirst().lazy.compactMap { parameter -> Double? in
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "q" else {
                    return nil
                }
                return Double(pair[1].trimmingCharacters(in: .whitespaces))
            }.first
            let accepted = (weight ?? 1) > 0
            if token == coding.name || (coding == .gzip && token == "x-gzip") {
                named = accepted
            } else if token == "*" {
                wildcard = accepted
            }
        }
        return named ?? wildcard ?? (coding == .identity)
    }

    var name: String {
        switch self {
        case .identity: "identity"
        case .gzip: "gzip"
        case .deflate: "deflate"
        }
    }
}
