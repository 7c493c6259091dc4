/// Who sent a request: the connection's peer, or the client a trusted front proxy names.
///
/// The rule, for the admin API without a token and for per-address limits:
/// - No forwarding header (`X-Forwarded-For`, `Forwarded`, `X-Real-IP`): the client is the peer.
/// - The peer is in `trustedProxies`: the client is the one its headers name. In a chain
///   (`X-Forwarded-For: a, b, c`) it is the right-most hop that is not itself a trusted proxy
///   (every hop to its right was appended by a proxy we trust); when every hop is trusted,
///   the left-most.
/// - The peer is not trusted but sends a forwarding header: it says it relays somebody
///   else, and we do not believe whom, so the client is unknown. An untrusted peer's headers
///   can thus only take access away, never grant it: a spoofed `X-Forwarded-For: 127.0.0.1`
///   from anywhere gives nothing, and a front proxy on this host that forwards an outside
///   visitor does not turn that visitor into a loopback client even when nobody listed it in
///   `trustedProxies`.
public struct ForwardedClient: Sendable, Equatable {
    /// The client's address, or nil when it cannot be known (see the rule above).
    public let address: String?
    /// Every header that named a client named a loopback address (or none did and the
    /// peer is loopback). Several headers that disagree do not make a loopback client.
    public let isLoopback: Bool

    private static let loopback = [IPRange("127.0.0.0/8")!, IPRange("::1")!]

    /// Whether the textual address is in 127.0.0.0/8 or is ::1 (IPv4-mapped forms included).
    public static func isLoopback(_ address: String) -> Bool {
        loopback.contains { $0.contains(address) }
    }

    /// - Parameters:
    ///   - peer: the connection's remote address, as NIO formats it.
    ///   - headers: the request's header fields, in order.
    public init(peer: String?, headers: [(name: String, value: String)], trustedProxies: [IPRange]) {
        guard let peer else {
            (address, isLoopback) = (nil, false)
            return
        }
        let chains = ForwardedClient.chains(in: headers)
        guard !chains.isEmpty else {
            (address, isLoopback) = (peer, ForwardedClient.isLoopback(peer))
            return
        }
        guard trustedProxies.contains(where: { $0.contains(peer) }) else {
            (address, isLoopback) = (nil, false)
            return
        }
        let named = chains.map { ForwardedClient.client(in: $0, trustedProxies: trustedProxies) }
        address = named.first ?? nil
        isLoopback = named.allSatisfy { $0.map(ForwardedClient.isLoopback) ?? false }
    }

    /// The client a chain of hops names, or nil when a hop that counts is not an address.
    private static func client(in hops: [String], trustedProxies: [IPRange]) -> String? {
        for hop in hops.reversed() {
            guard IPRange.parseAddress(Substring(hop)) != nil else { return nil }
            if !trustedProxies.contains(where: { $0.contains(hop) }) { return hop }
        }
        return hops.first
    }

    /// One list of hops per kind of forwarding header present, in the order X-Forwarded-For,
    /// Forwarded, X-Real-IP; several fields of one kind make one list.
    static func chains(in headers: [(name: String, value: String)]) -> [[String]] {
        var forwardedFor: [String]?
        var forwarded: [String]?
        var realIP: [String]?
        for (name, value) in headers {
            switch name.lowercased() {
            case "x-forwarded-for": forwardedFor = (forwardedFor ?? []) + value.split(separator: ",").map(hop)
            case "forwarded": forwarded = (forwarded ?? []) + forwardedForParameters(value)
            case "x-real-ip": realIP = (realIP ?? []) + [hop(Substring(value))]
            default: continue
            }
        }
        return [forwardedFor, forwarded, realIP].compactMap { $0 }
    }

    /// The `for=` node of each element of an RFC 7239 `Forwarded` value. An element
    /// without one counts as an unknown hop.
    private static func forwardedForParameters(_ value: String) -> [String] {
        value.split(separator: ",").map { element in
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingSpaces.lowercased() == "for" else { continue }
                return hop(parts[1])
            }
            return "unknown"
        }
    }

    /// A hop as an address: spaces and quotes trimmed, `[v6]:port` and `v4:port` cut to the address.
    private static func hop(_ text: Substring) -> String {
        var text = text.trimmingSpaces
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            return String(text[..<colon])
        }
        return String(text)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
