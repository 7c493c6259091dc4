import BanditHTML
import Testing

/// Properties over seeded random pages (see `RandomPages`); a failure names its seed, which
/// regenerates the same page and edits.
@Suite struct StreamingPropertyTests {
    @Test(arguments: 0..<400)
    func splittingThePageAnywhereGivesTheSameOutput(seed: UInt64) {
        var pages = RandomPages(seed: seed)
        let page = Array(pages.page().utf8)
        let edits = pages.edits()
        let whole = rewrite(page, edits: edits, cuts: [])
        let cuts = (0..<pages.int(in: 1...8)).map { _ in pages.int(in: 0...page.count) }.sorted()
        let split = rewrite(page, edits: edits, cuts: cuts)
        #expect(split.output == whole.output, "seed \(seed), cuts \(cuts)")
        #expect(split.matchedEdits == whole.matchedEdits, "seed \(seed)")
    }

    @Test(arguments: 0..<40)
    func feedingTheKindOfPageOneByteAtATimeGivesTheSameOutput(seed: UInt64) {
        var pages = RandomPages(seed: seed &+ 10_000)
        let page = Array(pages.page().utf8)
        let edits = pages.edits()
        let whole = rewrite(page, edits: edits, cuts: [])
        #expect(rewrite(page, edits: edits, cuts: Array(0...page.count)).output == whole.output, "seed \(seed)")
        for cut in 0...page.count {
            #expect(rewrite(page, edits: edits, cuts: [cut]).output == whole.output, "seed \(seed), cut \(cut)")
        }
    }

    @Test(arguments: 0..<300)
    func aPageNoSelectorMatchesComesOutByteForByte(seed: UInt64) {
        var pages = RandomPages(seed: seed &+ 20_000)
        let page = Array(pages.page().utf8)
        let selectors = [
            "nomatch", ".none", "#none", "[data-none]", "div > nomatch", "x-y z", "p.cta.none", "[id=nope]",
        ]
        let edits = (0..<pages.int(in: 0...4)).map { _ in edit(pages.pick(selectors), pages.action(marker: nil)) }
        let result = rewrite(page, edits: edits, cuts: [pages.int(in: 0...page.count)])
        #expect(result.output == page, "seed \(seed)")
        #expect(!result.matchedEdits.contains(true), "seed \(seed)")
    }

    @Test(arguments: 0..<300)
    func insertionsChangeNoByteOfThePage(seed: UInt64) {
        var pages = RandomPages(seed: seed &+ 30_000)
        let page = Array(pages.page().utf8)
        let selectors = pages.edits().map(\.selector)
        // Markers are made of control bytes no page here contains.
        let edits = selectors.enumerated().map { index, selector in
            HTMLEdit(selector: selector, action: pages.action(marker: "\u{1}\(index)\u{2}"))
        }
        let result = rewrite(page, edits: edits, cuts: [pages.int(in: 0...page.count)])
        #expect(Self.removingMarkers(result.output) == page, "seed \(seed)")
        for (index, edit) in edits.enumerated() {
            switch edit.action {
            case .before, .after:
                // Outside the element, always written: a match shows, and only a match.
                let shows = String(decoding: result.output, as: UTF8.self).contains("\u{1}\(index)\u{2}")
                #expect(shows == result.matchedEdits[index], "seed \(seed), edit \(index)")
            default:
                break
            }
        }
    }

    /// Fragments that, strung together at random, make every token boundary and broken construct.
    static let soup = [
        "<", ">", "/", "!", "-", "--", "\"", "'", "=", " ", "\n", "a", "p", "div", "li", "script", "style", "title",
        "textarea", "svg", "math", "mi", "foreignObject", "[CDATA[", "]]", "?", "&", "body", "head", "html", "td", "tr",
        "option", "b", "<!--", "-->", "</", "class", "cta", "plaintext", "\u{FEFF}", "é", "\0", "\r", "template",
        "font",
        "color", "h1", "ul", "dd", "rt", "ruby", "img", "br", "table",
    ]

    @Test(arguments: 0..<300)
    func anyByteSoupSplitAnywhereGivesTheSameOutput(seed: UInt64) {
        var pages = RandomPages(seed: seed &+ 40_000)
        let page = Array((0..<pages.int(in: 0...80)).map { _ in pages.pick(Self.soup) }.joined().utf8)
        let edits = pages.edits()
        let whole = rewrite(page, edits: edits, cuts: [])
        let cuts = (0..<pages.int(in: 1...6)).map { _ in pages.int(in: 0...page.count) }.sorted()
        #expect(rewrite(page, edits: edits, cuts: cuts).output == whole.output, "seed \(seed), cuts \(cuts)")
        #expect(rewrite(page, edits: [], cuts: cuts).output == page, "seed \(seed)")
    }

    private static func removingMarkers(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var inMarker = false
        for byte in bytes {
            if byte == 1 {
                inMarker = true
            } else if byte == 2 {
                inMarker = false
            } else if !inMarker {
                result.append(byte)
            }
        }
        return result
    }
}
