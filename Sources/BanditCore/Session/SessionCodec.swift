import Crypto
import Foundation

/// Turns a `SessionState` into a signed cookie value and back.
///
/// Format (every character is a valid RFC 6265 cookie-octet, readable when debugging):
///
///     1.<id>.<entry>~<entry>….<signature>
///     entry = <experiment>:<generation>:<arm>:<flags>[:<viewed-at>][:s<segment values>]
///     flags ⊆ "vcfrhub" (viewed, converted, forced, recorded, holdout, unconfirmed,
///             over the new-sessions budget), or "-"
///     viewed-at = minutes since 1970, only for experiments with an attribution window
///     segment values = the view's value in each of the experiment's segments, "!" between
///             them, each percent-encoded but for letters, digits, "-" and "_" (`SegmentValueCoding`)
///
/// The signature is the first 16 bytes of HMAC-SHA256(secret, everything before it),
/// base64url without padding. Any value that does not parse or verify decodes to nil: the
/// caller starts a fresh session, never an error.
public struct SessionCodec: Sendable {
    private let prototype: MACPrototype
    /// Keys of a rotation still accepted (`session.previousSecrets`).
    private let previousPrototypes: [MACPrototype]
    static let version = "1"

    /// Signs with `secret`; cookies signed with any of `previousSecrets` still decode.
    public init(secret: String, previousSecrets: [String] = []) {
        prototype = MACPrototype(secret)
        previousPrototypes = previousSecrets.map(MACPrototype.init)
    }

    /// The cookie value for `state`, signed with the current secret.
    public func encode(_ state: SessionState) -> String {
        String(unsafeUninitializedCapacity: maximumLength(for: state)) { buffer in
            var writer = UTF8Writer(buffer)
            encode(state, into: &writer)
            return writer.count
        }
    }

    /// The most bytes `encode` writes for `state`: the version, three dots, the id, the
    /// signature, a "~" between entries and for each its name, three colons, two numbers of
    /// up to 20 bytes (a sign and 19 digits), seven flags, and a colon and a minute.
    func maximumLength(for state: SessionState) -> Int {
        4 + state.id.utf8.count + Self.signatureLength + max(0, state.entries.count - 1)
            + state.entries.reduce(0) {
                $0 + $1.experiment.utf8.count + 3 + 20 + 20 + 7 + 1 + 20
                    + ($1.segmentValues.map { SegmentValueCoding.maximumLength(of: $0) } ?? 0)
            }
    }

    /// Writes the signed value, such as into a `Set-Cookie` value being built (with
    /// `maximumLength(for:)` reserved): the body, then the signature of the bytes just written.
    func encode(_ state: SessionState, into writer: inout UTF8Writer) {
        let bodyStart = writer.count
        writer.append(Self.version)
        writer.append(UInt8(ascii: "."))
        writer.append(state.id)
        writer.append(UInt8(ascii: "."))
        for (index, entry) in state.entries.enumerated() {
            if index > 0 { writer.append(UInt8(ascii: "~")) }
            writer.append(entry.experiment)
            writer.append(UInt8(ascii: ":"))
            writer.append(entry.generation)
            writer.append(UInt8(ascii: ":"))
            writer.append(entry.arm)
            writer.append(UInt8(ascii: ":"))
            let flagsStart = writer.count
            if entry.viewed { writer.append(UInt8(ascii: "v")) }
            if entry.converted { writer.append(UInt8(ascii: "c")) }
            if entry.forced { writer.append(UInt8(ascii: "f")) }
            if entry.recorded { writer.append(UInt8(ascii: "r")) }
            if entry.holdout { writer.append(UInt8(ascii: "h")) }
            if entry.unconfirmed { writer.append(UInt8(ascii: "u")) }
            if entry.overBudget { writer.append(UInt8(ascii: "b")) }
            if writer.count == flagsStart { writer.append(UInt8(ascii: "-")) }
            if let minute = entry.viewedAtMinute {
                writer.append(UInt8(ascii: ":"))
                writer.append(minute)
            }
            if let values = entry.segmentValues { SegmentValueCoding.encode(values, into: &writer) }
        }
        let mac = signature(of: writer.written(from: bodyStart))
        writer.append(UInt8(ascii: "."))
        mac.withUnsafeBytes {
            Base64URL.encode(UnsafeRawBufferPointer(rebasing: $0.prefix(Self.signatureBytes)), into: &writer)
        }
    }

    /// The state a cookie value holds; nil if over 4096 bytes, malformed, or not signed by a known secret.
    public func decode(_ value: Substring) -> SessionState? {
        // Bytes, not Characters: every delimiter is ASCII, and Character steps cost a grapheme
        // check each (a visible share of a returning visitor's request in a profile).
        guard value.utf8.count <= 4096, let lastDot = value.utf8.lastIndex(of: UInt8(ascii: ".")) else { return nil }
        let body = value[..<lastDot]
        let givenSignature = value[value.utf8.index(after: lastDot)...]
        var signedWithPreviousSecret = false
        if !signs(body, givenSignature, with: prototype) {
            guard previousPrototypes.contains(where: { signs(body, givenSignature, with: $0) }) else { return nil }
            signedWithPreviousSecret = true
        }

        let parts = Self.split(body, at: UInt8(ascii: "."), capacity: 3)
        guard parts.count == 3, parts[0] == SessionCodec.version, !parts[1].isEmpty else { return nil }
        var state = SessionState(id: String(parts[1]))
        state.signedWithPreviousSecret = signedWithPreviousSecret
        if parts[2].isEmpty { return state }
        let entries = Self.split(parts[2], at: UInt8(ascii: "~"), capacity: 4)
        state.entries.reserveCapacity(entries.count)
        for text in entries {
            let fields = Self.split(text, at: UInt8(ascii: ":"), capacity: 5)
            guard (4...6).contains(fields.count), !fields[0].isEmpty,
                let generation = Int(fields[1]), generation >= 0,
                let arm = Int(fields[2]), arm >= 0
            else { return nil }
            // One pass over the flag bytes; `flags.contains("v")` would be a substring search
            // that allocates, six times per entry on every request that carries a cookie.
            let flags = fields[3]
            var viewed = false, converted = false, forced = false, recorded = false, holdout = false
            var unconfirmed = false, overBudget = false
            if flags != "-" {
                for byte in flags.utf8 {
                    switch byte {
                    case UInt8(ascii: "v"): viewed = true
                    case UInt8(ascii: "c"): converted = true
                    case UInt8(ascii: "f"): forced = true
                    case UInt8(ascii: "r"): recorded = true
                    case UInt8(ascii: "h"): holdout = true
                    case UInt8(ascii: "u"): unconfirmed = true
                    case UInt8(ascii: "b"): overBudget = true
                    default: return nil
                    }
                }
            }
            var viewedAtMinute: Int?
            var segmentValues: [String]?
            for field in fields.dropFirst(4) {
                if field.utf8.first == UInt8(ascii: "s"), segmentValues == nil {
                    guard let values = SegmentValueCoding.decode(field.dropFirst()) else { return nil }
                    segmentValues = values
                } else {
                    guard viewedAtMinute == nil, segmentValues == nil, let minute = Int(field), minute >= 0 else {
                        return nil
                    }
                    viewedAtMinute = minute
                }
            }
            state.set(
                SessionState.Entry(
                    experiment: String(fields[0]), generation: generation, arm: arm,
                    viewed: viewed, converted: converted, forced: forced, recorded: recorded, holdout: holdout,
                    viewedAtMinute: viewedAtMinute, unconfirmed: unconfirmed, overBudget: overBudget,
                    segmentValues: segmentValues))
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

    /// The signature is the MAC's first 16 bytes, 22 base64url characters.
    static let signatureBytes = 16
    static let signatureLength = 22

    /// The MAC of `body`, of which the signature is the first 16 bytes. Copies the prototype,
    /// whose key is already absorbed, so each costs only the hashing of the body.
    private func signature(of body: Substring, with key: MACPrototype? = nil) -> HMAC<SHA256>.MAC {
        var body = body
        return body.withUTF8 { signature(of: UnsafeRawBufferPointer($0), with: key) }
    }

    /// `givenSignature` is the signature of `body` under `key`.
    private func signs(_ body: Substring, _ givenSignature: Substring, with key: MACPrototype) -> Bool {
        let expected = signature(of: body, with: key).withUnsafeBytes {
            Base64URL.encode(UnsafeRawBufferPointer(rebasing: $0.prefix(Self.signatureBytes)))
        }
        return constantTimeEquals(givenSignature.utf8, expected.utf8)
    }

    private func signature(of body: UnsafeRawBufferPointer, with key: MACPrototype? = nil) -> HMAC<SHA256>.MAC {
        var mac = (key ?? prototype).hmac
        mac.update(data: body)
        return mac.finalize()
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
    init(_ secret: String) { hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8))) }
}

/// base64url without padding (RFC 4648 §5), for cookie-safe identifiers and signatures.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The encoding of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// The encoding of the bytes in raw memory.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: encodedLength(bytes.count)) { encode(bytes, into: $0) }
    }

    /// Writes the encoding after what `writer` holds.
    static func encode(_ bytes: UnsafeRawBufferPointer, into writer: inout UTF8Writer) {
        writer.append(upTo: encodedLength(bytes.count)) { encode(bytes, into: $0) }
    }

    private static func encodedLength(_ byteCount: Int) -> Int { byteCount / 3 * 4 + [0, 2, 3][byteCount % 3] }

    /// Writes the encoding of `bytes` to `out`, which has room for it; returns its length.
    private static func encode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
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

    /// A random identifier of `byteCount` bytes (drawn on the stack: every new session has one).
    public static func randomIdentifier<R: RandomNumberGenerator>(byteCount: Int = 12, using rng: inout R) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: byteCount) { bytes in
            for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &rng) }
            return encode(UnsafeRawBufferPointer(bytes))
        }
    }
}
