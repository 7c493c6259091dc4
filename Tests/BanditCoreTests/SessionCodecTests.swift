import Testing

@testable import BanditCore

@Suite struct SessionCodecTests {
    let codec = SessionCodec(secret: "a-secret-of-sixteen+")

    @Test func roundTripsEveryField() {
        let state = SessionState(
            id: "abcDEF123_-",
            entries: [
                .init(experiment: "headline", generation: 3, arm: 1, viewed: true, converted: true),
                .init(experiment: "cta-2", generation: 0, arm: 2, forced: true),
                .init(experiment: "x_y", generation: 12, arm: 0, viewed: true),
            ])
        let value = codec.encode(state)
        #expect(codec.decode(Substring(value)) == state)
    }

    /// A `Set-Cookie` line is built with the value written after the cookie's name: the
    /// name stays out of what is signed, and the value is the one `encode` returns.
    @Test func aValueWrittenAfterAPrefixIsTheValueAlone() {
        let state = SessionState(
            id: "abcDEF123_-xyz", entries: [.init(experiment: "headline", generation: 3, arm: 1, viewed: true)])
        let prefix = "bandit_session="
        let line = String(unsafeUninitializedCapacity: prefix.utf8.count + codec.maximumLength(for: state)) { buffer in
            var writer = UTF8Writer(buffer)
            writer.append(prefix)
            codec.encode(state, into: &writer)
            return writer.count
        }
        #expect(line == prefix + codec.encode(state))
        #expect(codec.decode(line.dropFirst(prefix.count)) == state)
    }

    /// The reservation holds the longest entries: the widest numbers (a negative one has a
    /// sign; no session holds one, and it then decodes to nothing), every flag, a minute.
    @Test(arguments: [Int.min, Int.max])
    func theLongestSessionFitsItsReservation(number: Int) {
        func longest(_ name: String) -> SessionState.Entry {
            SessionState.Entry(
                experiment: name, generation: number, arm: number, viewed: true, converted: true, forced: true,
                recorded: true, holdout: true, viewedAtMinute: number, unconfirmed: true, overBudget: true)
        }
        let state = SessionState(id: "abcDEF123_-xyz", entries: [longest("first"), longest("second")])
        let value = codec.encode(state)
        #expect(value.utf8.count <= codec.maximumLength(for: state))
        if number < 0 {
            #expect(value.utf8.count == codec.maximumLength(for: state))
            #expect(codec.decode(Substring(value)) == nil)
        } else {
            #expect(codec.decode(Substring(value)) == state)
        }
    }

    /// The signature (22 characters) and identifiers are written after other text; each
    /// length encodes as the whole does.
    @Test(arguments: 0...34)
    func base64WrittenAfterTextIsTheEncodingOfTheBytes(count: Int) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let written = String(unsafeUninitializedCapacity: 1 + (count * 4 + 2) / 3) { buffer in
            var writer = UTF8Writer(buffer)
            writer.append(UInt8(ascii: "x"))
            bytes.withUnsafeBytes { Base64URL.encode($0, into: &writer) }
            return writer.count
        }
        #expect(written == "x" + Base64URL.encode(bytes))
        #expect(written.utf8.count == 1 + (count * 4 + 2) / 3)
    }

    @Test func valueUsesOnlyCookieOctets() {
        let value = codec.encode(SessionState(id: "id", entries: [.init(experiment: "e", generation: 0, arm: 0)]))
        // RFC 6265 cookie-octet: no space, DQUOTE, comma, semicolon or backslash.
        #expect(
            value.allSatisfy { $0.isASCII && !" \",;\\".contains($0) && $0.asciiValue! > 0x20 && $0.asciiValue! < 0x7F }
        )
    }

    @Test func anyChangeToTheValueFailsVerification() {
        let value = codec.encode(SessionState(id: "id", entries: [.init(experiment: "e", generation: 0, arm: 0)]))
        var characters = Array(value)
        for index in characters.indices {
            let original = characters[index]
            characters[index] = original == "A" ? "B" : "A"
            #expect(codec.decode(Substring(String(characters))) == nil, "changed at \(index)")
            characters[index] = original
        }
    }

    @Test func anotherSecretDoesNotVerify() {
        let value = codec.encode(SessionState(id: "id"))
        #expect(SessionCodec(secret: "another-secret-0000").decode(Substring(value)) == nil)
    }

    @Test(arguments: [
        "", ".", "1..", "garbage", "1.id..", "2.id..AAAAAAAAAAAAAAAAAAAAAA", String(repeating: "x", count: 5000),
    ])
    func garbageDecodesToNil(value: String) {
        #expect(codec.decode(Substring(value)) == nil)
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<80, using: &rng)
            let text = String(
                (0..<length).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x21...0x7E, using: &rng))) })
            _ = codec.decode(Substring(text))
        }
    }

    /// The decoder's split (one allocation) cuts at every separator byte, as the signature
    /// covers bytes: empty parts included, and a separator fused with a combining mark too.
    @Test(arguments: [
        "", ".", "..", "a", "a.b", ".a.", "a..b", "1.id.e:0:1:v", "x.\u{301}y.z", "é.e\u{301}.", "a.b.c.d.e.f",
    ])
    func splitMatchesTheStandardLibrary(text: String) {
        for capacity in [0, 1, 3, 8] {
            #expect(
                SessionCodec.split(text[...], at: UInt8(ascii: "."), capacity: capacity).map(String.init)
                    == text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map {
                        String(decoding: $0, as: UTF8.self)
                    })
        }
    }
}

@Suite struct PathPatternTests {
    @Test(arguments: [
        ("/", "/", true), ("/", "/?a=1", true), ("/", "/x", false),
        ("/contact/", "/contact", true), ("/contact/", "/contact/", true), ("/contact", "/contact/?from=home", true),
        ("/contact/", "/contact/us", false), ("/blog/*", "/blog/post-1", true), ("/blog/*", "/blog", true),
        ("/blog/*", "/blogger", false), ("/blog*", "/blogger", true),
    ])
    func matching(pattern: String, target: String, expected: Bool) {
        let normalised = PathPattern.normalise(Substring(target))
        #expect(PathPattern(pattern).matches(normalisedPath: normalised) == expected)
    }
}
