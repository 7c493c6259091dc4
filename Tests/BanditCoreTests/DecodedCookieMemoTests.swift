import Testing

@testable import BanditCore

/// A connection's memo of its last decoded cookie saves the signature check on repeats and
/// never answers for a different cookie.
@Suite struct DecodedCookieMemoTests {
    let codec = SessionCodec(secret: "a-secret-of-sixteen+")

    @Test func aRepeatedCookieIsDecodedOnceAndEveryOtherValueAfresh() {
        let first = codec.encode(SessionState(id: "one", entries: [.init(experiment: "e", generation: 0, arm: 1)]))
        let second = codec.encode(SessionState(id: "two", entries: [.init(experiment: "e", generation: 0, arm: 0)]))
        var tampered = Array(first.utf8)
        tampered[4] = tampered[4] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let forged = String(decoding: tampered, as: UTF8.self)

        var memo = DecodedCookieMemo()
        var decodes = 0
        let decode = { (value: Substring) -> SessionState? in
            decodes += 1
            return codec.decode(value)
        }
        for value in [first, first, first, forged, forged, second, first] {
            #expect(memo.decode(Substring(value), with: decode) == codec.decode(Substring(value)), "\(value)")
        }
        #expect(memo.decode(Substring(forged), with: decode) == nil, "a forged value stays refused")
        #expect(decodes == 5, "first, forged, second, first again, forged again: each change decodes")
    }

    @Test func theEngineDecidesTheSameWithAMemo() {
        let engine = ExperimentEngine(config: ExperimentEngineTests.config, secret: "engine-secret-123456")
        var rng = SplitMix64(seed: 7)
        let first = engine.decide(RequestFacts(uri: "/"), using: &rng)
        let pair = String(first.cookie(forStatus: 200)!.prefix { $0 != ";" })
        var memo = DecodedCookieMemo()
        for uri in ["/", "/", "/pricing/", "/"] {
            var withMemo = SplitMix64(seed: 9)
            var without = SplitMix64(seed: 9)
            let facts = RequestFacts(uri: uri, cookieHeaders: [pair])
            let remembered = engine.decide(facts, using: &withMemo, cookieMemo: &memo)
            let fresh = engine.decide(facts, using: &without)
            #expect(remembered.served.map { "\($0)" } == fresh.served.map { "\($0)" })
            #expect(remembered.served.map(\.arm) == first.served.map(\.arm) || uri != "/", "sticky arm")
        }
    }
}
