import BanditHTML
import Testing

/// Markup is read the way browsers read it: what is not a tag is never matched as one, and
/// what is a tag is found whatever its quoting.
@Suite struct TokenizerTests {
    @Test(arguments: ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"])
    func rawTextElementsHideMarkupInTheirText(_ name: String) {
        let page = "<body><\(name)>if (a<b) x = '<h1 class=t>not a tag</h1>';</\(name) ><h1 class=t>real</h1></body>"
        #expect(
            rewrite(page, edit("h1", .text("new")))
                == "<body><\(name)>if (a<b) x = '<h1 class=t>not a tag</h1>';</\(name) ><h1 class=t>new</h1></body>")
    }

    @Test func rawTextEndsOnlyAtItsOwnEndTagInAnyCase() {
        let page = "<style>a::after{content:'</styles></div>'}</STYLE><p>x</p>"
        #expect(rewrite(page, edit("p", .text("y"))) == "<style>a::after{content:'</styles></div>'}</STYLE><p>y</p>")
        #expect(rewrite(page, edit("style", .remove)) == "<p>x</p>")
    }

    @Test func plaintextRunsToTheEndOfThePage() {
        #expect(rewrite("<plaintext><p>x</p>", edit("p", .remove)) == "<plaintext><p>x</p>")
    }

    @Test func escapedScriptTextCanHideAScriptEndTag() {
        // Inside `<!--`, a `<script>` makes the next `</script>` part of the text.
        let page = "<script><!--document.write('<script>x()</script>');--></script><p>a</p>"
        #expect(
            rewrite(page, edit("p", .text("b")))
                == "<script><!--document.write('<script>x()</script>');--></script><p>b</p>")
        #expect(rewrite(page, edit("script", .remove)) == "<p>a</p>")
        // Without the `<script>` inside, the first `</script>` ends it.
        let plain = "<script><!-- x() </script><p>a</p>"
        #expect(rewrite(plain, edit("p", .text("b"))) == "<script><!-- x() </script><p>b</p>")
    }

    @Test func commentsAreNeverMatchedHoweverTheyEnd() {
        for comment in [
            "<!-- <p>x</p> -->", "<!---->", "<!-->", "<!--->", "<!-- a -- > <p> --!>", "<!-- <!-- <p> -->",
            "<!-- --->", "<?php echo '<p>' ?>", "<!DOCTYPE html>", "<!doctype html SYSTEM \"about:legacy-compat\">",
            "<![CDATA[<p>]]>", "</ p>", "<!x <p>>",
        ] {
            let page = "<div>\(comment)<p>y</p></div>"
            #expect(rewrite(page, edit("p", .text("z"))) == "<div>\(comment)<p>z</p></div>", "\(comment)")
        }
    }

    @Test func cdataInSVGEndsAtItsOwnCloser() {
        let page = "<svg><![CDATA[ <text>></text> ]]><text>t</text></svg>"
        #expect(rewrite(page, edit("text", .text("u"))) == "<svg><![CDATA[ <text>></text> ]]><text>u</text></svg>")
    }

    @Test func attributeValuesMayHoldAngleBracketsAndQuotes() {
        let page = #"<a title="a>b" data-q='say "hi"' data-u=c'd>x</a><p>y</p>"#
        #expect(
            rewrite(page, edit("a", .text("z")), edit("p", .text("w")))
                == #"<a title="a>b" data-q='say "hi"' data-u=c'd>z</a><p>w</p>"#)
        #expect(rewrite(page, edit(#"[title="a>b"]"#, .remove)) == "<p>y</p>")
        #expect(rewrite(page, edit(#"[data-q='say "hi"']"#, .remove)) == "<p>y</p>")
    }

    @Test func characterReferencesAreLeftAsTheyAre() {
        let page = "<p title=\"&amp;&lt;&#x3C;\">&amp; &nbsp &#169; &notit;</p>"
        #expect(
            rewrite(page, edit("p", .append("!"))) == "<p title=\"&amp;&lt;&#x3C;\">&amp; &nbsp &#169; &notit;!</p>")
    }

    @Test func lessThanSignsThatStartNoTagAreText() {
        let page = "<p>1 < 2 <3 <> </> <\u{E9}</p>"
        #expect(rewrite(page, edit("p", .append("!"))) == "<p>1 < 2 <3 <> </> <\u{E9}!</p>")
    }

    @Test func whitespaceAndSlashesInTagsAreAllowedAnywhereBrowsersAllowThem() {
        let page = "<p\n class = \"a\"\t/ id=b>x</p\n>"
        #expect(rewrite(page, edit("p#b.a", .append("!"))) == "<p\n class = \"a\"\t/ id=b>x!</p\n>")
    }

    @Test func aTagCutShortByTheEndOfThePagePassesThrough() {
        #expect(rewrite("<p>x</p><a href=\"y", edit("a", .remove)) == "<p>x</p><a href=\"y")
        #expect(rewrite("<p>x<", edit("p", .append("!"))) == "<p>x<!")
    }

    @Test func everySplitOfATagGivesTheSameOutput() {
        let page = Array(
            #"<!DOCTYPE html><html><head><title>T</title></head><body><a CLASS="cta" href='/x?a=1&amp;b' data-v=w/>Go</a><!-- c --><script>if(a</b)x()</script><br/></body></html>"#
                .utf8)
        let edits = [
            edit("a.cta", .setAttribute(name: "href", value: "/y")), edit("script", .text("y()")),
            edit("title", .remove),
            edit("br", .before("-")), edit("body", .append("<i>end</i>")),
        ]
        let whole = rewrite(page, edits: edits, cuts: [])
        for cut in 0...page.count {
            #expect(rewrite(page, edits: edits, cuts: [cut]).output == whole.output, "cut at \(cut)")
        }
        #expect(rewrite(page, edits: edits, cuts: Array(0...page.count)).output == whole.output, "one byte at a time")
        #expect(whole.matchedEdits == [true, true, true, true, true])
    }
}
