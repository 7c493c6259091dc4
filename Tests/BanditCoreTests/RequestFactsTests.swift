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
}
