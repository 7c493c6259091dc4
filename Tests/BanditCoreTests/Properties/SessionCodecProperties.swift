import PropertyBased
import Testing

@testable import BanditCore

/// The session cookie codec under random states, secrets and tampering: what it signs comes
/// back unchanged, and nothing it did not sign (with this very secret) is ever accepted.
@Suite struct SessionCodecProperties {
    @Test func decodingAnEncodedStateGivesItBack() async {
        await propertyCheck(count: 300, input: SessionGen.states, SessionGen.secrets) { state, secret in
            let codec = SessionCodec(secret: secret)
            #expect(codec.decode(Substring(codec.encode(state))) == state)
        }
    }

    @Test func theValueIsAlwaysMadeOfCookieOctets() async {
        await propertyCheck(count: 200, input: SessionGen.states, SessionGen.secrets) { state, secret in
            let value = SessionCodec(secret: secret).encode(state)
            // RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
            #expect(value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !"\",;\\".utf8.contains($0) }, "\(value)")
        }
    }

    @Test func onlyTheSameSecretVerifies() async {
        let pairs = zip(SessionGen.secrets, SessionGen.secrets).filter { $0 != $1 }
        await propertyCheck(count: 200, input: SessionGen.states, pairs) { state, secrets in
            let value = SessionCodec(secret: secrets.0).encode(state)
            #expect(SessionCodec(secret: secrets.1).decode(Substring(value)) == nil)
            // A second codec with the same secret (another proxy instance, a restart) verifies it.
            #expect(SessionCodec(secret: secrets.0).decode(Substring(value)) == state)
        }
    }

    @Test func anyEditToASignedValueIsRejected() async {
        await propertyCheck(count: 500, input: SessionGen.states, SessionGen.edits) { state, edit in
            let codec = SessionCodec(secret: "property-secret-0123")
            let value = codec.encode(state)
            let edited = edit.apply(to: Array(value.utf8))
            try #require(edited != Array(value.utf8), "the edit must change the value")
            #expect(codec.decode(Substring(String(decoding: edited, as: UTF8.self))) == nil, "\(edit)")
        }
    }

    @Test func randomTextNeverDecodes() async {
        await propertyCheck(count: 500, input: SessionGen.junk) { text in
            // Not one of these carries a valid 128-bit MAC, so none may come back as a session.
            #expect(SessionCodec(secret: "property-secret-0123").decode(Substring(text)) == nil)
        }
    }
}

/// Generators for sessions, secrets and tampered cookies.
enum SessionGen {
    /// Valid states: a base64url id and up to eight entries for distinct experiments with
    /// config-valid names, any non-negative generation, arm and view minute, and any flags.
    static let states = Generator<SessionState, Shrink.None<SessionState>>(run: { rng in state(using: &rng) })

    static func state<R: RandomNumberGenerator>(using rng: inout R) -> SessionState {
        let id = Draw.string(Alphabet.base64URL, count: 1...32, using: &rng)
        let names = Draw.distinct(Draw.int(0...8, using: &rng), using: &rng) {
            Draw.string(Alphabet.experimentName, count: 1...64, using: &$0)
        }
        let entries = names.map { name in
            SessionState.Entry(
                experiment: name, generation: Draw.skewed(upTo: Int.max, using: &rng),
                arm: Draw.skewed(upTo: Int.max, using: &rng), viewed: Draw.chance(0.5, using: &rng),
                converted: Draw.chance(0.5, using: &rng), forced: Draw.chance(0.2, using: &rng),
                recorded: Draw.chance(0.2, using: &rng), holdout: Draw.chance(0.2, using: &rng),
                viewedAtMinute: Draw.chance(0.5, using: &rng) ? Draw.skewed(upTo: Int.max, using: &rng) : nil,
                unconfirmed: Draw.chance(0.2, using: &rng), overBudget: Draw.chance(0.2, using: &rng))
        }
        return SessionState(id: id, entries: entries)
    }

    /// Any text, including characters that are not ASCII; the codec takes every string as a key.
    static let secrets = Generator<String, Shrink.None<String>>(run: { rng in
        Draw.string(Alphabet.printable + Alphabet.awkward, count: 1...40, using: &rng)
    })

    /// Strings a client might send as the cookie: noise, and noise shaped like a real value.
    static let junk = Generator<String, Shrink.None<String>>(run: { rng in
        let noise = Alphabet.printable + Alphabet.awkward
        switch Draw.int(0...2, using: &rng) {
        case 0:
            return Draw.string(noise, count: 0...100, using: &rng)
        case 1:
            // Version, id and entries that parse, with a made-up signature of the right length.
            let state = state(using: &rng)
            let unsigned = SessionCodec(secret: "x").encode(state).split(separator: ".").dropLast()
            return unsigned.joined(separator: ".") + "." + Draw.string(Alphabet.base64URL, count: 22...22, using: &rng)
        default:
            var bytes: [UInt8] = []
            for _ in 0..<Draw.int(0...100, using: &rng) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
            return String(decoding: bytes, as: UTF8.self)
        }
    })

    /// One change to a value's bytes; `apply` always returns different bytes.
    enum Edit: Sendable, CustomStringConvertible {
        case replace(at: Double, with: UInt8)
        case insert(at: Double, byte: UInt8)
        case delete(at: Double)
        case truncate(keeping: Double)
        case swapAdjacent(at: Double)

        /// Positions are fractions of the length, so one edit fits any value.
        func apply(to bytes: [UInt8]) -> [UInt8] {
            var bytes = bytes
            func index(_ fraction: Double, in count: Int) -> Int { min(count - 1, Int(fraction * Double(count))) }
            switch self {
            case .replace(let at, let byte):
                let i = index(at, in: bytes.count)
                bytes[i] = byte == bytes[i] ? byte &+ 1 : byte
            case .insert(let at, let byte):
                bytes.insert(byte, at: index(at, in: bytes.count + 1))
            case .delete(let at):
                bytes.remove(at: index(at, in: bytes.count))
            case .truncate(let keeping):
                bytes.removeLast(bytes.count - index(keeping, in: bytes.count))
            case .swapAdjacent(let at):
                let i = index(at, in: bytes.count - 1)
                if bytes[i] == bytes[i + 1] { bytes[i] &+= 1 } else { bytes.swapAt(i, i + 1) }
            }
            return bytes
        }

        var description: String {
            switch self {
            case .replace(let at, let byte): "replace at \(at) with \(byte)"
            case .insert(let at, let byte): "insert \(byte) at \(at)"
            case .delete(let at): "delete at \(at)"
            case .truncate(let keeping): "truncate to \(keeping)"
            case .swapAdjacent(let at): "swap at \(at)"
            }
        }
    }

    static let edits = Generator<Edit, Shrink.None<Edit>>(run: { rng in
        let at = Double.random(in: 0..<1, using: &rng)
        let byte = UInt8.random(in: 0...255, using: &rng)
        return switch Draw.int(0...4, using: &rng) {
        case 0: .replace(at: at, with: byte)
        case 1: .insert(at: at, byte: byte)
        case 2: .delete(at: at)
        case 3: .truncate(keeping: at)
        default: .swapAdjacent(at: at)
        }
    })
}
