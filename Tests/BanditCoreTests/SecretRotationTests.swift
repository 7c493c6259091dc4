import Testing

@testable import BanditCore

/// Rotating `session.secret`: with the old one in `previousSecrets` for a while, visitors keep
/// their arms, and their cookies are signed again with the new one as they come back.
@Suite struct SecretRotationTests {
    static let experiment = ExperimentConfig(
        name: "headline", source: PathPattern("/"), target: PathPattern("/contact/"), arms: ["control", "bold"])

    static func engine(secret: String, previous: [String] = []) -> ExperimentEngine {
        var session = SessionSettings(secret: secret)
        session.previousSecrets = previous
        return ExperimentEngine(
            config: ProxyConfig(
                upstream: UpstreamURL(host: "127.0.0.1", port: 8000), session: session, experiments: [experiment]),
            secret: secret)
    }

    /// The arm served on `/` and the cookie pair the response set, if any.
    static func visit(_ engine: ExperimentEngine, cookie: String?, rng: inout SplitMix64) -> (String?, String?) {
        let decision = engine.decide(RequestFacts(uri: "/", cookieHeaders: cookie.map { [$0] } ?? []), using: &rng)
        engine.commit(decision, status: 200)
        return (
            decision.headers.first?.value, decision.cookie(forStatus: 200).map { String($0.split(separator: ";")[0]) }
        )
    }

    @Test func aCookieSignedWithThePreviousSecretKeepsItsArmAndIsSignedAgain() throws {
        var rng = SplitMix64(seed: 7)
        let old = "the-old-secret-0123456789"
        let new = "the-new-secret-0123456789"
        let (arm, oldCookie) = Self.visit(Self.engine(secret: old), cookie: nil, rng: &rng)
        let cookie = try #require(oldCookie)

        // During the rotation: the same arm, and a new cookie although nothing changed.
        let rotating = Self.engine(secret: new, previous: [old])
        let (armDuring, newCookie) = Self.visit(rotating, cookie: cookie, rng: &rng)
        #expect(armDuring == arm)
        let resigned = try #require(newCookie, "signed again with the new secret")
        #expect(resigned != cookie)
        #expect(rotating.experiments[0].counts.reduce(0) { $0 + $1.views } == 0, "the view was counted before")
        let (_, again) = Self.visit(rotating, cookie: resigned, rng: &rng)
        #expect(again == nil, "a cookie under the new secret is left alone")

        // After it: the re-signed cookie keeps the arm; one never re-signed starts over.
        let after = Self.engine(secret: new)
        #expect(Self.visit(after, cookie: resigned, rng: &rng).0 == arm)
        let (_, fresh) = Self.visit(after, cookie: cookie, rng: &rng)
        #expect(fresh != nil && fresh != cookie, "an old cookie no longer verifies: a new session")
    }

    @Test func theCodecVerifiesUnderEachKeyAndSaysWhichKind() throws {
        let state = SessionState(id: "abc", entries: [.init(experiment: "headline", generation: 0, arm: 1)])
        let old = SessionCodec(secret: "the-old-secret-0123456789").encode(state)
        let codec = SessionCodec(secret: "the-new-secret-0123456789", previousSecrets: ["the-old-secret-0123456789"])
        let decoded = try #require(codec.decode(Substring(old)))
        #expect(decoded.signedWithPreviousSecret)
        #expect(decoded.entries == state.entries)
        #expect(codec.decode(Substring(codec.encode(state)))?.signedWithPreviousSecret == false)
        #expect(SessionCodec(secret: "the-new-secret-0123456789").decode(Substring(old)) == nil)
    }
}
