import Testing

@testable import BanditCore

/// Reading one cookie out of the `Cookie` headers a browser sends.
@Suite struct RequestFactsTests {
    @Test(arguments: [
        (["a=1; bandit_session=xyz; b=2"], "xyz"),
        (["bandit_session=xyz"], "xyz"),
        (["a=1", "bandit_session=second-header"], "second-header"),
        (["bandit_session=first; bandit_session=second"], "first"),
        (["a=1;;  ;bandit_session=tight;"], "tight"),
        (["a=1;\t bandit_session=padded \t; b=2"], "padded"),
        (["bandit_session=\"quoted\""], "quoted"),
        (["bandit_session=\""], "\""),
        (["bandit_session="], ""),
        (["bandit_session=a=b"], "a=b"),
        (["flag; bandit_session=after-a-bare-name"], "after-a-bare-name"),
    ])
    func findsTheFirstCookieOfThatName(headers: [String], expected: String) {
        let facts = RequestFacts(uri: "/", cookieHeaders: headers)
        #expect(facts.cookie(named: "bandit_session").map(String.init) == expected)
    }

    @Test(arguments: [
        [String](), [""], [";;"], ["bandit_sessionx=1; xbandit_session=2"], ["bandit_session"], ["Bandit_Session=1"],
        ["bandit_session =1"],
    ])
    func findsNothingWithoutAnExactName(headers: [String]) {
        #expect(RequestFacts(uri: "/", cookieHeaders: headers).cookie(named: "bandit_session") == nil)
    }

    /// The byte scan used for ASCII headers finds the same cookie, at the same offsets, as
    /// the Character scan, on headers made of the bytes that matter (CR LF, a Character of
    /// two bytes, included).
    @Test func theByteScanAgreesWithTheCharacterScan() {
        let alphabet: [Character] = [";", "=", " ", "\t", "\"", "\r", "\n", "\r\n", "a", "b"]
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20_000 {
            let header = String(
                (0..<Int.random(in: 0..<24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            for name in ["a", "ab", "b", "\"a", "\r", "\n", "a\r"] {
                let bytes = Array(header.utf8).withUnsafeBufferPointer { RequestFacts.scan($0, for: name) }
                let characters = RequestFacts.cookie(named: name, in: header).map {
                    RequestFacts.ByteScan.found(
                        header.utf8.distance(
                            from: header.startIndex, to: $0.startIndex)..<header.utf8.distance(
                                from: header.startIndex, to: $0.endIndex))
                }
                #expect(bytes == characters ?? .absent, "\(name) in \(header.debugDescription)")
            }
        }
    }

    /// A name the search would cut or trim (no cookie name the config accepts) is read by
    /// Character, where it matches nothing or what the pairs cut that way hold.
    @Test(arguments: ["", "a b", "a=b", "a;b", " a", "a\t"])
    func aNameWithBytesTheSearchCutsAtIsReadByCharacter(name: String) {
        let header = "a b=1; a=b=2; a;b=3;  a=4; a\t=5"
        #expect(Array(header.utf8).withUnsafeBufferPointer { RequestFacts.scan($0, for: name) } == .byCharacter)
        #expect(
            RequestFacts(uri: "/", cookieHeader: header).cookie(named: name)
                == RequestFacts.cookie(named: name, in: header))
    }

    /// The word-at-a-time check finds a high byte wherever it is.
    @Test func aByteBeyondASCIIIsFoundAtAnyOffset() {
        for length in 0..<20 {
            #expect(Array(repeating: UInt8(ascii: "a"), count: length).withUnsafeBytes(RequestFacts.isASCII))
            for offset in 0..<length {
                var bytes = Array(repeating: UInt8(ascii: "a"), count: length)
                bytes[offset] = 0x80
                #expect(!bytes.withUnsafeBytes(RequestFacts.isASCII), "0x80 at \(offset) of \(length)")
            }
        }
    }

    /// Headers or names beyond ASCII are read by Character: a combining mark fuses with the
    /// ";" or "=" before it, and "\u{212A}" (Kelvin) is "K" as a String.
    @Test func anythingBeyondASCIIIsReadByCharacter() {
        #expect(Array("a=1; é=2".utf8).withUnsafeBufferPointer { RequestFacts.scan($0, for: "a") } == .byCharacter)
        #expect(RequestFacts(uri: "/", cookieHeaders: ["a=1;\u{301} b=2"]).cookie(named: "b") == nil)
        #expect(RequestFacts(uri: "/", cookieHeaders: ["a=1; b=2\u{301}"]).cookie(named: "b") == "2\u{301}")
        #expect(RequestFacts(uri: "/", cookieHeaders: ["K=1"]).cookie(named: "\u{212A}") == "1")
    }
}
