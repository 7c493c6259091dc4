import BanditHTML
import Testing

/// Which elements a selector picks, as a browser's `querySelectorAll` would.
@Suite struct SelectorMatchingTests {
    /// The page with `[x]` after every element the selector matches.
    private func marked(_ page: String, _ selector: String) -> String {
        rewrite(page, edit(selector, .after("[x]")))
    }

    @Test func typeSelectorsIgnoreTheCaseOfTagNames() {
        #expect(
            marked("<DIV>a</DIV><div>b</div><span>c</span>", "div") == "<DIV>a</DIV>[x]<div>b</div>[x]<span>c</span>")
        #expect(
            marked("<my-widget>a</my-widget><my-widgets>b</my-widgets>", "MY-WIDGET")
                == "<my-widget>a</my-widget>[x]<my-widgets>b</my-widgets>")
    }

    @Test func onlyASCIILettersInNamesIgnoreCase() {
        #expect(marked("<xÉ>a</xÉ><xé>b</xé>", "XÉ") == "<xÉ>a</xÉ>[x]<xé>b</xé>")
        #expect(marked("<p DATA-X=1>a</p>", "[data-x]") == "<p DATA-X=1>a</p>[x]")
    }

    @Test func idAndClassSelectorsAreCaseSensitive() {
        #expect(marked("<p id=Intro>a</p><p id=intro>b</p>", "#intro") == "<p id=Intro>a</p><p id=intro>b</p>[x]")
        #expect(
            marked("<p class=Lead>a</p><p class=lead>b</p>", ".lead") == "<p class=Lead>a</p><p class=lead>b</p>[x]")
    }

    @Test func classSelectorsMatchOneWordOfTheClassList() {
        let page = "<a class=\"btn  cta\tbig\">a</a><a class=btn-cta>b</a><a class=\"\">c</a>"
        #expect(marked(page, ".cta") == "<a class=\"btn  cta\tbig\">a</a>[x]<a class=btn-cta>b</a><a class=\"\">c</a>")
        #expect(
            marked(page, ".btn.big") == "<a class=\"btn  cta\tbig\">a</a>[x]<a class=btn-cta>b</a><a class=\"\">c</a>")
        #expect(marked(page, ".btn.nope") == page)
    }

    @Test func compoundSelectorsNeedEveryPart() {
        let page = #"<a class=cta data-x=y>1</a><a class=cta data-x=z>2</a><b class=cta data-x=y>3</b>"#
        #expect(
            marked(page, "a.cta[data-x=y]")
                == #"<a class=cta data-x=y>1</a>[x]<a class=cta data-x=z>2</a><b class=cta data-x=y>3</b>"#)
        #expect(
            marked(page, #"a.cta[data-x="z"]"#)
                == #"<a class=cta data-x=y>1</a><a class=cta data-x=z>2</a>[x]<b class=cta data-x=y>3</b>"#)
    }

    @Test func attributeSelectorsCompareValuesAsWritten() {
        let page = #"<a href="/signup?plan=pro" lang=en-GB rel="nofollow noopener">a</a>"#
        for selector in [
            "[href]", "[HREF]", #"[href="/signup?plan=pro"]"#, "[href^='/sign']", "[href$=pro]", "[href*=\"?plan\"]",
            "[lang|=en]", "[rel~=noopener]", "a[lang=en-GB]",
        ] {
            #expect(marked(page, selector) == page + "[x]", "\(selector)")
        }
        for selector in ["[title]", #"[href="/signup"]"#, "[lang|=e]", "[rel~=no]", "[href^='']", "[lang=en-gb]"] {
            #expect(marked(page, selector) == page, "\(selector)")
        }
    }

    @Test func anAttributeWithoutValueEqualsTheEmptyString() {
        #expect(marked("<input disabled>", "[disabled='']") == "<input disabled>[x]")
    }

    @Test func theDescendantCombinatorLooksAtAllAncestors() {
        let page = "<main><section><h1>a</h1></section></main><h1>b</h1>"
        #expect(marked(page, "main h1") == "<main><section><h1>a</h1>[x]</section></main><h1>b</h1>")
        #expect(marked(page, "main section h1") == "<main><section><h1>a</h1>[x]</section></main><h1>b</h1>")
        #expect(marked(page, "section main h1") == page)
    }

    @Test func theChildCombinatorLooksAtTheParentOnly() {
        let page = "<main><h1>a</h1><section><h1>b</h1></section></main>"
        #expect(marked(page, "main > h1") == "<main><h1>a</h1>[x]<section><h1>b</h1></section></main>")
        #expect(marked(page, "main>section>h1") == "<main><h1>a</h1><section><h1>b</h1>[x]</section></main>")
    }

    @Test func nestedElementsOfTheSameTagAreMatchedEachAndEndedAtTheirOwnEndTags() {
        let page = "<div class=a><div class=b>x</div>y</div>"
        #expect(marked(page, "div") == "<div class=a><div class=b>x</div>[x]y</div>[x]")
        #expect(marked(page, "div div") == "<div class=a><div class=b>x</div>[x]y</div>")
        #expect(rewrite(page, edit(".a", .text("z"))) == "<div class=a>z</div>")
        #expect(rewrite(page, edit(".b", .remove)) == "<div class=a>y</div>")
    }

    @Test func aSelectorListMatchesAnyOfItsSelectors() {
        #expect(marked("<h1>a</h1><h2>b</h2><h3>c</h3>", "h1, h3") == "<h1>a</h1>[x]<h2>b</h2><h3>c</h3>[x]")
    }

    @Test func theUniversalSelectorMatchesEveryElement() {
        #expect(marked("<p><b>a</b></p>", "p > *") == "<p><b>a</b>[x]</p>")
    }

    @Test func escapedClassNamesMatchTheClassesTheyName() {
        #expect(marked(#"<div class="md:flex">a</div>"#, #".md\:flex"#) == #"<div class="md:flex">a</div>[x]"#)
    }

    @Test func selectorsMatchInsideSVG() {
        #expect(
            marked(#"<svg><circle r=1 /><g><path d=""/></g></svg>"#, "svg path")
                == #"<svg><circle r=1 /><g><path d=""/>[x]</g></svg>"#)
    }
}

/// Selectors are parsed strictly, and an error says what is wrong and where.
@Suite struct SelectorParsingTests {
    @Test(arguments: [
        "h1", "*", "#headline", ".a.b", "[data-x]", "a.cta[data-x=y]", #"a[href="x y"]"#, "[x='a\"b']", "main h1",
        "main > h1", "  ul   li  ", "h1, h2,h3", "[x^=a][y$=b][z*=c][w~=d][v|=e]", #".md\:flex"#, #"#\31 23"#, "é.ü",
    ])
    func validSelectorsParse(_ text: String) throws {
        let selector = try HTMLSelector(parsing: text)
        #expect(selector.text == text)
    }

    @Test(arguments: [
        ("", "the selector is empty", 0),
        ("   ", "the selector is empty", 3),
        ("a.", #"expected a class name after ".""#, 2),
        ("#", ##"expected an id after "#""##, 1),
        ("h1:hover", #"pseudo-classes and pseudo-elements (":…") are not supported"#, 2),
        ("a + b", #"the "+" combinator is not supported (only descendant, a space, and child, ">")"#, 2),
        ("a ~ b", #"the "~" combinator is not supported (only descendant, a space, and child, ">")"#, 2),
        ("> a", #"a selector cannot start with ">""#, 0),
        ("a >", #"expected a selector after ">""#, 3),
        ("a,", #"expected a selector after ",""#, 2),
        ("a, ,b", #"unexpected ",""#, 3),
        ("[", #"unterminated attribute selector: expected "]""#, 0),
        ("a[=x]", #"expected an attribute name after "[""#, 2),
        ("a[x", #"unterminated attribute selector: expected "]""#, 1),
        ("a[x=]", "expected a value (a name or a quoted string) after the operator", 4),
        ("a[x=", #"expected a value after "=""#, 3),
        ("a[x!=y]", #"expected "]" or an operator (=, ~=, |=, ^=, $=, *=) after the attribute name"#, 3),
        ("a[x='y]", "unterminated string: expected a closing '", 4),
        ("a[x=y z]", #"expected "]" after the attribute value"#, 6),
        ("a[x=y i]", #"attribute selector flags (" i", " s") are not supported"#, 6),
        ("[x]div", "a tag name must come first in a compound selector", 3),
        ("a*", #""*" must come first in a compound selector"#, 1),
        ("#a#b", "an element has only one id", 3),
        ("a!", #"unexpected "!""#, 1),
        ("ns|a", #"unexpected "|""#, 2),
    ])
    func invalidSelectorsSayWhatIsWrongAndWhere(_ text: String, _ reason: String, _ offset: Int) {
        #expect(throws: HTMLSelectorError(selector: text, reason: reason, offset: offset)) {
            try HTMLSelector(parsing: text)
        }
    }

    @Test func theErrorDescriptionQuotesTheSelector() {
        let error = HTMLSelectorError(selector: "a.", reason: #"expected a class name after ".""#, offset: 2)
        #expect(error.description == #"expected a class name after "." at offset 2 of "a.""#)
    }
}
