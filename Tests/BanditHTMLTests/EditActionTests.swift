import BanditHTML
import Testing

/// Each action does what the configuration promises, and nothing else changes.
@Suite struct EditActionTests {
    static let page = #"<main><h1 id="headline" class="big">Old <em>title</em></h1><p>Body</p></main>"#

    @Test func textReplacesTheContentWithEscapedText() {
        #expect(
            rewrite(Self.page, edit("#headline", .text("Fish & <chips>")))
                == #"<main><h1 id="headline" class="big">Fish &amp; &lt;chips&gt;</h1><p>Body</p></main>"#)
    }

    @Test func htmlReplacesTheContentWithMarkup() {
        #expect(
            rewrite(Self.page, edit("h1", .html("<strong>Free</strong> trial")))
                == #"<main><h1 id="headline" class="big"><strong>Free</strong> trial</h1><p>Body</p></main>"#)
    }

    @Test func setAttributeReplacesAnExistingValueKeepingTheRestOfTheTag() {
        #expect(
            rewrite(
                #"<a class=cta href='/old' data-x>Go</a>"#,
                edit("a.cta", .setAttribute(name: "href", value: "/new?a=1&b=\"2\"")))
                == #"<a class=cta href="/new?a=1&amp;b=&quot;2&quot;" data-x>Go</a>"#)
    }

    @Test func setAttributeAddsAMissingAttributeAfterTheLastOne() {
        #expect(
            rewrite(#"<img src=a.png>"#, edit("img", .setAttribute(name: "alt", value: "A")))
                == #"<img src=a.png alt="A">"#)
        #expect(rewrite(#"<br/>"#, edit("br", .setAttribute(name: "class", value: "x"))) == #"<br class="x"/>"#)
        // An unquoted value keeps its trailing slash, which belongs to it.
        #expect(
            rewrite(#"<img src=a/>"#, edit("img", .setAttribute(name: "alt", value: "A"))) == #"<img src=a/ alt="A">"#)
        #expect(
            rewrite(#"<input disabled />"#, edit("input", .setAttribute(name: "name", value: "q")))
                == #"<input disabled name="q" />"#)
    }

    @Test func setAttributeGivesAValuelessAttributeAValue() {
        #expect(
            rewrite(#"<details open class=x>"#, edit("details", .setAttribute(name: "OPEN", value: "open")))
                == #"<details open="open" class=x>"#)
    }

    @Test func setAttributeChangesTheFirstOfDuplicateAttributesWhichIsTheOneBrowsersUse() {
        #expect(
            rewrite(#"<a href=1 HREF=2>"#, edit("a", .setAttribute(name: "href", value: "3")))
                == #"<a href="3" HREF=2>"#)
    }

    @Test func removeDropsTheElementAndItsContent() {
        #expect(rewrite(Self.page, edit("h1", .remove)) == "<main><p>Body</p></main>")
        #expect(rewrite("<p>a<img src=x>b</p>", edit("img", .remove)) == "<p>ab</p>")
    }

    @Test func appendAndPrependInsertInsideTheElement() {
        #expect(
            rewrite(Self.page, edit("p", .append("<b>!</b>")), edit("p", .prepend("<i>¡</i>")))
                == #"<main><h1 id="headline" class="big">Old <em>title</em></h1><p><i>¡</i>Body<b>!</b></p></main>"#)
    }

    @Test func beforeAndAfterInsertOutsideTheElement() {
        #expect(
            rewrite("<main><p>Body</p></main>", edit("p", .before("<hr>")), edit("p", .after("<footer>f</footer>")))
                == "<main><hr><p>Body</p><footer>f</footer></main>")
    }

    @Test func everyMatchingElementIsEdited() {
        #expect(
            rewrite("<ul><li>a</li><li>b</li></ul>", edit("li", .text("x"))) == "<ul><li>x</li><li>x</li></ul>")
    }

    @Test func anEditThatMatchesNothingChangesNothingAndIsReportedUnmatched() {
        let result = HTMLRewriter.rewrite(
            Array(Self.page.utf8), edits: [edit("#missing", .remove), edit("p", .append("!"))])
        #expect(String(decoding: result.output, as: UTF8.self).contains("<p>Body!</p>"))
        #expect(result.matchedEdits == [false, true])
    }

    @Test func voidElementsIgnoreContentActionsButNotTheOthers() {
        let page = "<p><img src=x><br></p>"
        #expect(rewrite(page, edit("img", .text("t")), edit("br", .append("a")), edit("br", .prepend("a"))) == page)
        #expect(rewrite(page, edit("img", .html("<b>")), edit("br", .remove)) == "<p><img src=x></p>")
        #expect(
            rewrite(page, edit("img", .before("[")), edit("img", .after("]"))) == "<p>[<img src=x>]<br></p>")
    }

    @Test func textInsideScriptAndStyleIsNotEscapedButTitleTextIs() {
        #expect(
            rewrite("<script>old()</script>", edit("script", .text("if (a && b < c) go()")))
                == "<script>if (a && b < c) go()</script>")
        #expect(rewrite("<title>Old</title>", edit("title", .text("A & B"))) == "<title>A &amp; B</title>")
        #expect(
            rewrite("<textarea>x</textarea>", edit("textarea", .text("</textarea>")))
                == "<textarea>&lt;/textarea&gt;</textarea>")
    }

    @Test func anInvalidAttributeNameIsReportedAndChangesNothing() {
        #expect(HTMLEditAction.setAttribute(name: "on click", value: "x").problem != nil)
        #expect(HTMLEditAction.setAttribute(name: "", value: "x").problem != nil)
        #expect(HTMLEditAction.setAttribute(name: "data-x", value: "\"><script>").problem == nil)
        #expect(rewrite("<a>x</a>", edit("a", .setAttribute(name: "a>b", value: "x"))) == "<a>x</a>")
    }
}

/// Several edits on one element apply in order, as if each were applied to the page the one
/// before left.
@Suite struct EditCombinationTests {
    @Test func prependsStackUpAndAppendsFollowEachOther() {
        #expect(
            rewrite(
                "<p>x</p>", edit("p", .prepend("1")), edit("p", .prepend("2")), edit("p", .append("3")),
                edit("p", .append("4")))
                == "<p>21x34</p>")
    }

    @Test func beforesKeepTheirOrderAndAftersReverseIt() {
        #expect(
            rewrite(
                "<p>x</p>", edit("p", .before("1")), edit("p", .before("2")), edit("p", .after("3")),
                edit("p", .after("4")))
                == "12<p>x</p>43")
    }

    @Test func aReplacementDiscardsWhatEarlierEditsPutInsideButNotWhatLaterOnesDo() {
        #expect(
            rewrite("<p>x</p>", edit("p", .prepend("a")), edit("p", .text("T")), edit("p", .append("b")))
                == "<p>Tb</p>")
        #expect(rewrite("<p>x</p>", edit("p", .text("1")), edit("p", .html("<b>2</b>"))) == "<p><b>2</b></p>")
    }

    @Test func removeKeepsMarkupInsertedOutsideTheElement() {
        #expect(
            rewrite("<div><p>x</p></div>", edit("p", .before("[")), edit("p", .remove), edit("p", .after("]")))
                == "<div>[]</div>")
    }

    @Test func theLastValueSetForAnAttributeWins() {
        #expect(
            rewrite(
                "<a href=x>", edit("a", .setAttribute(name: "href", value: "1")),
                edit("a", .setAttribute(name: "title", value: "t")), edit("a", .setAttribute(name: "href", value: "2")))
                == #"<a href="2" title="t">"#)
    }

    @Test func attributesAndContentChangeTogether() {
        #expect(
            rewrite("<h1 class=a>x</h1>", edit("h1", .setAttribute(name: "class", value: "b")), edit(".a", .text("y")))
                == #"<h1 class="b">y</h1>"#)
    }

    @Test func editsInsideRemovedContentStillCountAsMatchedButChangeNothing() {
        let result = HTMLRewriter.rewrite(
            Array("<div id=banner><h2>Sale</h2></div><p>x</p>".utf8),
            edits: [edit("#banner", .remove), edit("#banner h2", .text("New"))])
        #expect(String(decoding: result.output, as: UTF8.self) == "<p>x</p>")
        #expect(result.matchedEdits == [true, true])
    }

    @Test func aReplacedElementsDescendantsAreNotEditedAgain() {
        #expect(
            rewrite("<main><h1>a</h1></main>", edit("main", .text("m")), edit("h1", .after("!"))) == "<main>m</main>")
    }
}
