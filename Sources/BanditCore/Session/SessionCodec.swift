import Crypto
import Foundation

/// Turns a `SessionState` into a signed cookie value and back.
///
/// Format (every character is a valid RFC 6265 cookie-octet, readable when debugging):
///
///     1.<id>.<entry>~<entry>….<signature>
///     entry = <experiment>:<generation>:<arm>:<flags>[:<viewed-at>]
///     flags ⊆ "vcfrhu" (viewed, converted, forced, recorded, holdout, unconfirmed), or "-"
///     viewed-at = minutes since 1970, only for experiments with an attribution window
///
/// The signature is the first 16 bytes of HMAC-SHA256(secret, everything before it),
/// base64url without padding. Any value that does not parse or verify decodes to nil: the
/// caller starts a fresh session, never an error.
public struct SessionCodec: Sendable {
    private let prototype: MACPrototype
    static let version = "1"

    public init(secret: String) {
        prototype = MACPrototype(HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8))))
    }

    public func encode(_ state: SessionState) -> String {
        // One buffer for the whole value (a typical entry is its name and about 20 bytes),
        // rather than a new String for every `+`.
        var body = ""
        body.reserveCapacity(
            state.id.utf8.count + state.entries.reduce(0) { $0 + $1.experiment.utf8.count + 24 } + 32)
        body += SessionCodec.version
        body += "."
        body += state.id
        body += "."
        for (index, entry) in state.entries.enumerated() {
            if index > 0 { body += "~" }
            body += entry.experiment
            body += ":\(entry.generation):\(entry.arm):"
            var flags = ""
            if entry.viewed { flags += "v" }
            if entry.converted { flags += "c" }
            if entry.forced { flags += "f" }
            if entry.recorded { flags += "r" }
            if entry.holdout { flags += "h" }
            if entry.unconfirmed { flags += "u" }
            body += flags.isEmpty ? "-" : flags
            if let minute = entry.viewedAtMinute { body += ":\(minute)" }
        }
        let mac = signature(of: body[...])
        body += "."
        body += mac
        return body
    }

    public func decode(_ value: Substring) -> SessionState? {
        // Bytes, not Characters: every delimiter is ASCII, and Character steps cost a grapheme
        // check each (a visible share of a returning visitor's request in a profile).
        guard value.utf8.count <= 4096, let lastDot = value.utf8.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let body = value[..<lastDot]
        let givenSignature = value[value.utf8.index(after: lastDot)...]
        guard constantTimeEquals(givenSignature.utf8, signature(of: body).utf8) else { return nil }

        let parts = Self.split(body, at: UInt8(ascii: "."), capacity: 3)
        guard parts.count == 3, parts[0] == SessionCodec.version, !parts[1].isEmpty else { return nil }
        var state = SessionState(id: String(parts[1]))
        if parts[2].isEmpty { return state }
        let entries = Self.split(parts[2], at: UInt8(ascii: "~"), capacity: 4)
        state.entries.reserveCapacity(entries.count)
        for text in entries {
            let fields = Self.split(text, at: UInt8(ascii: ":"), capacity: 5)
            guard fields.count == 4 || fields.count == 5, !fields[0].isEmpty,
                let generation = Int(fields[1]), generation >= 0,
                let arm = Int(fields[2]), arm >= 0
            else { return nil }
            // One pass over the flag bytes; `flags.contains("v")` would be a substring search
            // that allocates, six times per entry on every request that carries a cookie.
            let flags = fields[3]
            var viewed = false, converted = false, forced = false, recorded = false, holdout = false
            var unconfirmed = false
            if flags != "-" {
                for byte in flags.utf8 {
                    switch byte {
                    case UInt8(ascii: "v"): viewed = true
                    case UInt8(ascii: "c"): converted = true
                    case UInt8(ascii: "f"): forced = true
                    case UInt8(ascii: "r"): recorded = true
                    case UInt8(ascii: "h"): holdout = true
                    case UInt8(ascii: "u"): unconfirmed = true
                    default: return nil
                    }
                }
            }
            var viewedAtMinute: Int?
            if fields.count == 5 {
                guard let minute = Int(fields[4]), minute >= 0 else { return nil }
                viewedAtMinute = minute
            }
            state.set(
                SessionState.Entry(
                    experiment: String(fields[0]), generation: generation, arm: arm,
                    viewed: viewed, converted: converted, forced: forced, recorded: recorded, holdout: holdout,
                    viewedAtMinute: viewedAtMinute, unconfirmed: unconfirmed))
        }
        return state
    }

    /// `text.split(separator: separator, omittingEmptySubsequences: false)` in one allocation
    /// for up to `capacity` parts; `split` grows its array one part at a time.
    static func split(_ text: Substring, at separator: UInt8, capacity: Int) -> [Substring] {
        var parts: [Substring] = []
        parts.reserveCapacity(capacity)
        var start = text.startIndex
        while let end = text.utf8[start...].firstIndex(of: separator) {
            parts.append(text[start..<end])
            start = text.utf8.index(after: end)
        }
        parts.append(text[start...])
        return parts
    }

    /// Copies the prototype, whose key is already absorbed, so each signature costs only the
    /// hashing of the body (this runs on every request that carries a cookie).
    private func signature(of body: Substring) -> String {
        var mac = prototype.hmac
        var body = body
        body.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return mac.finalize().withUnsafeBytes { Base64URL.encode(UnsafeRawBufferPointer(rebasing: $0.prefix(16))) }
    }

    private func constantTimeEquals(_ a: Substring.UTF8View, _ b: String.UTF8View) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}

/// An HMAC state with the key absorbed; swift-crypto does not mark it `Sendable`, but it is
/// only ever copied, never mutated, after creation, so sharing it between threads is safe.
private final class MACPrototype: @unchecked Sendable {
    let hmac: HMAC<SHA256>
    init(_ hmac: HMAC<SHA256>) { self.hmac = hmac }
}

/// base64url without padding (RFC 4648 §5), for cookie-safe identifiers and signatures.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        let length = bytes.count / 3 * 4 + [0, 2, 3][bytes.count % 3]
        return String(unsafeUninitializedCapacity: length) { out in
            var written = 0
            var index = 0
            while index + 3 <= bytes.count {
                let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                out[written] = alphabet[Int(n >> 18 & 63)]
                out[written + 1] = alphabet[Int(n >> 12 & 63)]
                out[written + 2] = alphabet[Int(n >> 6 & 63)]
                out[written + 3] = alphabet[Int(n & 63)]
                written += 4
                index += 3
            }
            let rest = bytes.count - index
            if rest > 0 {
                var n = UInt32(bytes[index]) << 16
                if rest == 2 { n |= UInt32(bytes[index + 1]) << 8 }
                out[written] = alphabet[Int(n >> 18 & 63)]
                out[written + 1] = alphabet[Int(n >> 12 & 63)]
                written += 2
                if rest == 2 {
                    out[written] = alphabet[Int(n >> 6 & 63)]
                    written += 1
                }
            }
            return written
        }
    }

    /// A random identifier of `byteCount` bytes.
    public static func randomIdentifier<R: RandomNumberGenerator>(byteCount: Int = 12, using rng: inout R) -> String {
        var bytes = [UInt8](repeating: 0, count: byteCount)
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &rng) }
        return encode(bytes)
    }
}
