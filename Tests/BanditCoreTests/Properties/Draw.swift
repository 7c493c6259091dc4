import PropertyBased

/// Small random choices the property generators are built from. They take the property
/// checker's seeded generator, so a failure's reported `.fixedSeed(…)` replays it exactly.
enum Draw {
    static func int(_ range: ClosedRange<Int>, using rng: inout some RandomNumberGenerator) -> Int {
        Int.random(in: range, using: &rng)
    }

    /// True with probability `probability`.
    static func chance(_ probability: Double, using rng: inout some RandomNumberGenerator) -> Bool {
        Double.random(in: 0..<1, using: &rng) < probability
    }

    static func element<T>(_ items: [T], using rng: inout some RandomNumberGenerator) -> T {
        items[Int.random(in: 0..<items.count, using: &rng)]
    }

    /// A string of `count` characters drawn from `alphabet`.
    static func string(
        _ alphabet: [Character], count: ClosedRange<Int>, using rng: inout some RandomNumberGenerator
    ) -> String {
        let length = Int.random(in: count, using: &rng)
        var text = ""
        for _ in 0..<length { text.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        return text
    }

    /// Mostly small values (where off-by-one bugs live), sometimes anywhere up to `maximum`,
    /// sometimes exactly `maximum`.
    static func skewed(upTo maximum: Int, using rng: inout some RandomNumberGenerator) -> Int {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: maximum
        case 1...3: Int.random(in: 0...maximum, using: &rng)
        default: Int.random(in: 0...min(maximum, 20), using: &rng)
        }
    }

    /// `count` distinct values from `make` (which must be able to produce that many).
    static func distinct<T: Hashable, R: RandomNumberGenerator>(
        _ count: Int, using rng: inout R, _ make: (inout R) -> T
    ) -> [T] {
        var seen = Set<T>()
        var result: [T] = []
        while result.count < count {
            let value = make(&rng)
            if seen.insert(value).inserted { result.append(value) }
        }
        return result
    }
}

/// Character sets the generators draw from.
enum Alphabet {
    static let lower = Array("abcdefghijklmnopqrstuvwxyz")
    static let upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    static let digits = Array("0123456789")
    static let alphanumeric = lower + upper + digits
    /// Experiment names: `[A-Za-z0-9_-]`, as the config allows.
    static let experimentName = alphanumeric + ["_", "-"]
    /// Arm names and query parameter names: letters, digits, `_`, `.` and `-`.
    static let armName = alphanumeric + ["_", ".", "-"]
    /// base64url, the session id's alphabet.
    static let base64URL = alphanumeric + ["-", "_"]
    /// RFC 9110 `token`: header and cookie names.
    static let token = alphanumeric + Array("!#$%&'*+-.^_`|~")
    /// Printable ASCII.
    static let printable = (0x20...0x7E).map { Character(Unicode.Scalar(UInt8($0))) }
    /// Characters that tend to break text handling: a combining mark (it fuses with the
    /// character before it into one `Character`), a precomposed letter, an emoji with a
    /// modifier, CJK, right-to-left text, a zero-width joiner, NUL, a byte order mark and
    /// a lone continuation-looking Latin-1 letter.
    static let awkward: [Character] = [
        "\u{301}", "é", "👍🏽", "漢", "ש", "\u{200D}", "\u{0}", "\u{FEFF}", "\u{80}", "ÿ", "\r", "\n", "\t",
    ]
}
