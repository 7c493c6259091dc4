import BanditHTML
import Testing

/// Elements end where browsers end them, with or without their end tags, so that content
/// edits cover exactly the element's content.
@Suite struct TreeBuildingTests {
    @Test func listItemsEndAtTheNextItem() {
        #expect(
            rewrite("<ul><li>a<li>b</ul>", edit("li", .append("!")), edit("li", .after("|")))
                == "<ul><li>a!|<li>b!|</ul>")
        #expect(rewrite("<ul><li>a<li class=x>b<li>c</ul>", edit(".x", .remove)) == "<ul><li>a<li>c</ul>")
    }

    @Test func aNestedListDoesNotEndTheItemHoldingIt() {
        #expect(
            rewrite("<ul><li>a<ul><li>b</ul><li>c</ul>", edit("li", .append("!")))
                == "<ul><li>a<ul><li>b!</ul>!<li>c!</ul>")
        // A `div` does not separate them: the new item ends the div and the item.
        #expect(
            rewrite("<ul><li>a<div><li>b</div></ul>", edit("li", .append("!"))) == "<ul><li>a<div>!<li>b</div>!</ul>")
    }

    @Test func definitionTermsAndDescriptionsEndEachOther() {
        #expect(rewrite("<dl><dt>a<dd>b<dt>c</dl>", edit("dd", .text("B"))) == "<dl><dt>a<dd>B<dt>c</dl>")
    }

    @Test(arguments: ["div", "p", "ul", "ol", "h1", "h6", "table", "section", "blockquote", "pre", "hr", "form", "dl"])
    func aParagraphEndsAtABlock(_ block: String) {
        let page = "<body><p class=x>text<\(block)>"
        #expect(rewrite(page, edit(".x", .append("!"))) == "<body><p class=x>text!<\(block)>")
        #expect(rewrite(page, edit(".x", .remove)) == "<body><\(block)>")
    }

    @Test(arguments: ["span", "a", "b", "img", "em", "my-element"])
    func aParagraphHoldsPhrasingContent(_ phrasing: String) {
        #expect(rewrite("<p>a<\(phrasing)>b</p>", edit("p", .text("c"))) == "<p>c</p>")
    }

    @Test func aParagraphEndsAtTheEndOfItsParent() {
        #expect(rewrite("<div><p>a</div><p>b", edit("p", .after("|"))) == "<div><p>a|</div><p>b|")
    }

    @Test func headingsEndEachOtherAndAnyHeadingEndTagEndsThem() {
        #expect(rewrite("<h1>a<h2>b</h2>", edit("h1", .append("!"))) == "<h1>a!<h2>b</h2>")
        #expect(rewrite("<h1>a</h2><p>b", edit("h1", .append("!"))) == "<h1>a!</h2><p>b")
    }

    @Test func optionsEndAtTheNextOption() {
        #expect(
            rewrite("<select><option>a<option selected>b</select>", edit("option[selected]", .text("B")))
                == "<select><option>a<option selected>B</select>")
    }

    @Test func tableCellsAndRowsEndAtTheNextOne() {
        let page = "<table><tr><td>a<td class=x>b<tr><th>c</table><p>d"
        #expect(rewrite(page, edit(".x", .text("B"))) == "<table><tr><td>a<td class=x>B<tr><th>c</table><p>d")
        #expect(rewrite(page, edit("tr", .after("|"))) == "<table><tr><td>a<td class=x>b|<tr><th>c|</table><p>d")
        #expect(rewrite(page, edit("td", .append("!"))) == "<table><tr><td>a!<td class=x>b!<tr><th>c</table><p>d")
    }

    @Test func anEndTagEndsTheElementsLeftOpenInsideIt() {
        #expect(rewrite("<div><span><b>x</div>y", edit("span", .after("|"))) == "<div><span><b>x|</div>y")
        #expect(rewrite("<div><span>x</div><p>y</p>", edit("div span", .remove)) == "<div></div><p>y</p>")
    }

    @Test func strayEndTagsAreIgnored() {
        let page = "<div></span></p></li><p class=x>a</b></div>b</div></p>"
        #expect(rewrite(page, edit(".x", .text("z"))) == "<div></span></p></li><p class=x>z</div>b</div></p>")
        #expect(rewrite(page, edit("div", .after("|"))) == "<div></span></p></li><p class=x>a</b></div>|b</div></p>")
    }

    @Test func anEndTagDoesNotReachPastABlockForAnInlineElement() {
        // `</span>` inside the div is a stray: the span outside the div stays open.
        #expect(
            rewrite("<span><div>a</span>b</div>c</span>", edit("span", .after("|")))
                == "<span><div>a</span>b</div>c</span>|")
    }

    @Test func elementsStillOpenAtTheEndOfThePageEndThere() {
        #expect(rewrite("<main><p>a", edit("main", .append("!")), edit("p", .after("|"))) == "<main><p>a|!")
    }

    @Test func anImpliedHeadEndsAtTheFirstBodyContent() {
        let page = "<!doctype html><meta charset=utf-8><title>t</title>\n<link rel=x>\n<p>x"
        #expect(
            rewrite(page, edit("head", .append("<style></style>")))
                == "<!doctype html><meta charset=utf-8><title>t</title>\n<link rel=x>\n<style></style><p>x")
        #expect(rewrite("<title>t</title> Hello", edit("head", .append("!"))) == "<title>t</title> !Hello")
    }

    @Test func anImpliedBodyIsEditedAtThePlacesItsTagsWouldBe() {
        let page = "<title>t</title><p>x</p>"
        #expect(
            rewrite(page, edit("body", .prepend("[")), edit("body", .append("]")))
                == "<title>t</title>[<p>x</p>]")
        #expect(
            rewrite(page, edit("body", .setAttribute(name: "class", value: "b")))
                == #"<title>t</title><body class="b"><p>x</p>"#)
        #expect(rewrite("<p>x</p>", edit("html", .before("<!doctype html>"))) == "<!doctype html><p>x</p>")
    }

    @Test func aByteOrderMarkIsNotText() {
        #expect(
            rewrite("\u{FEFF}<html><head><title>t</title></head><body>", edit("head", .append("!")))
                == "\u{FEFF}<html><head><title>t</title>!</head><body>")
        #expect(rewrite("\u{FEFF}\u{FEFF}<p>", edit("body", .prepend("!"))) == "\u{FEFF}!\u{FEFF}<p>")
    }

    @Test func aHeadWithTagsIsEditedBeforeItsEndTag() {
        let page = "<html><head><title>t</title></head><body><p>x</p></body></html>"
        #expect(
            rewrite(page, edit("head", .append("<style></style>")), edit("body", .append("<script></script>")))
                == "<html><head><title>t</title><style></style></head><body><p>x</p><script></script></body></html>")
    }

    @Test func aSecondBodyTagIsNotAnElement() {
        #expect(
            rewrite("<body><p>a</p><body class=x><p>b</p>", edit(".x", .remove))
                == "<body><p>a</p><body class=x><p>b</p>")
    }

    @Test func aFormInsideAFormIsNotAnElement() {
        #expect(
            rewrite("<form id=a><form id=b><input></form><p>x</p>", edit("form", .after("|")))
                == "<form id=a><form id=b><input></form>|<p>x</p>")
    }

    @Test func aLinkInsideALinkEndsIt() {
        #expect(rewrite("<a href=1>x<a href=2>y</a>", edit("a", .after("|"))) == "<a href=1>x|<a href=2>y</a>|")
    }

    @Test func svgAndMathMLKeepTheirOwnRules() {
        // `/>` closes an SVG element; `<title>` in SVG is not raw text; `<p>` breaks out of the SVG.
        let page = "<div><svg><title><b>t</b></title><rect/><g>x</g><p class=x>y</svg>z</div>"
        #expect(
            rewrite(page, edit("svg b", .text("T")))
                == "<div><svg><title><b>T</b></title><rect/><g>x</g><p class=x>y</svg>z</div>")
        #expect(
            rewrite(page, edit("rect", .after("|")))
                == "<div><svg><title><b>t</b></title><rect/>|<g>x</g><p class=x>y</svg>z</div>")
        #expect(
            rewrite(page, edit("svg", .after("|")))
                == "<div><svg><title><b>t</b></title><rect/><g>x</g>|<p class=x>y</svg>z</div>")
        #expect(
            rewrite(page, edit("svg .x", .remove))
                == "<div><svg><title><b>t</b></title><rect/><g>x</g><p class=x>y</svg>z</div>")
        #expect(
            rewrite("<math><style><mn>1</mn></style></math>", edit("mn", .text("2")))
                == "<math><style><mn>2</mn></style></math>")
    }

    @Test func styleInSVGIsMarkupButScriptInHTMLInsideSVGIsRawText() {
        #expect(
            rewrite("<svg><foreignObject><script>a<b</script></foreignObject></svg>", edit("b", .remove))
                == "<svg><foreignObject><script>a<b</script></foreignObject></svg>")
    }
}
