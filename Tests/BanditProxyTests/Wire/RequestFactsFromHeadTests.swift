import Testing

@_spi(Benchmarks) @testable import BanditProxy

/// What the engine learns from a parsed request head.
@Suite struct RequestFactsFromHeadTests {
    @Test func severalCookieFieldsAreReadAsOne() throws {
        let head = try TestHeads.request(
            "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nUser-Agent: test/1\r\ncookie: bandit_session=second\r\n\r\n")
        let facts = head.facts(clientIsTrusted: false)
        #expect(facts.cookieHeader == "a=1; bandit_session=second")
        #expect(facts.cookie(named: "bandit_session") == "second")
        #expect(facts.cookie(named: "a") == "1")
        #expect(facts.userAgent == "test/1")
    }

    @Test func theUserAgentIsReadOnlyWhenAsked() throws {
        let head = try TestHeads.request("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: test/1\r\n\r\n")
        #expect(head.facts(clientIsTrusted: false, readingUserAgent: true).userAgent == "test/1")
        #expect(head.facts(clientIsTrusted: false, readingUserAgent: false).userAgent == nil)
    }

    @Test func noCookieFieldIsNoCookie() throws {
        let facts = try TestHeads.request("GET / HTTP/1.1\r\nHost: a\r\n\r\n").facts(clientIsTrusted: false)
        #expect(facts.cookieHeader == nil)
        #expect(facts.cookie(named: "bandit_session") == nil)
    }

    @Test func onlyATrustedPeerSaysTheClientUsedHTTPS() throws {
        let head = try TestHeads.request("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: HTTPS\r\n\r\n")
        #expect(head.facts(clientIsTrusted: true).isHTTPS)
        #expect(!head.facts(clientIsTrusted: false).isHTTPS)
    }
}
