import Testing

@testable import BanditHTML

/// A remembered page is given out only while the page is the same: whatever the second page
/// is (the same, changed at any byte, cut short, longer) and however both are cut into
/// chunks, the visitor gets what `HTMLRewriter` alone gives, and the same edits count.
@Suite struct MemoizedRewriterTests {
    @Test(arguments: 0..<400)
    func aPageSeenBeforeComesOutAsTheRewriterAloneWouldEditIt(seed: UInt64) {
        var pages = RandomPages(seed: seed &+ 50_000)
        let first = Array(pages.page().utf8)
        let edits = pages.edits()
        let memo = RewriteMemo()
        let recorded = memoizedRewrite(first, edits: edits, cuts: randomCuts(first.count, &pages), memo: memo)
        #expect(recorded.output == rewrite(first, edits: edits, cuts: []).output, "seed \(seed)")
        #expect(memo.count == 1, "seed \(seed)")

        let (second, change) = Self.variant(of: first, &pages)
        let expected = rewrite(second, edits: edits, cuts: [])
        let result = memoizedRewrite(second, edits: edits, cuts: randomCuts(second.count, &pages), memo: memo)
        #expect(result.output == expected.output, "seed \(seed), \(change)")
        #expect(result.matchedEdits == expected.matchedEdits, "seed \(seed), \(change)")
        #expect(result.wasRemembered == (second == first), "seed \(seed), \(change)")
        #expect(memo.reservedBytes == 0, "every recording ended")

        // A third time, from what the second left in the memo.
        let third = memoizedRewrite(second, edits: edits, cuts: randomCuts(second.count, &pages), memo: memo)
        #expect(third.output == expected.output, "seed \(seed), \(change)")
        #expect(third.wasRemembered, "seed \(seed), \(change)")
    }

    /// Bytes changed in place (tokens, ids, timestamps of the same length) at one or more
    /// places: where the page differs it is edited, and where it has caught up with the
    /// remembered run it is copied again; either way the output is the rewriter's alone.
    @Test(arguments: 0..<1000)
    func aPageChangedInPlaceAnywhereComesOutAsTheRewriterAloneWouldEditIt(seed: UInt64) {
        var pages = RandomPages(seed: seed &+ 60_000)
        let first = Array(pages.page().utf8)
        let edits = pages.edits()
        let memo = RewriteMemo()
        // Many pieces, so the remembered run has checkpoints to catch up at.
        let denseCuts = (0..<pages.int(in: 2...20)).map { _ in pages.int(in: 0...first.count) }.sorted()
        _ = memoizedRewrite(first, edits: edits, cuts: denseCuts, memo: memo)
        var second = first
        var changed: [Int] = []
        for _ in 0..<pages.int(in: 1...3) where !second.isEmpty {
            let index = pages.int(in: 0...second.count - 1)
            second[index] = pages.pick(Array("<>/=\"' ax-!".utf8))
            changed.append(index)
        }
        let cuts = pages.chance(0.5) ? denseCuts : randomCuts(second.count, &pages)
        let expected = rewrite(second, edits: edits, cuts: [])
        let result = memoizedRewrite(second, edits: edits, cuts: cuts, memo: memo)
        #expect(result.output == expected.output, "seed \(seed), changed \(changed), cuts \(cuts)")
        #expect(result.matchedEdits == expected.matchedEdits, "seed \(seed), changed \(changed)")
        #expect(memo.reservedBytes == 0)
    }

    @Test func aPageWithANewIdNearItsTopCatchesUpAndIsCopiedFromThere() {
        func page(_ id: String) -> [UInt8] {
            Array(
                ("<html><head><meta name=\"csrf\" content=\"\(id)\"><title>T</title></head><body><h1>Old</h1>"
                    + String(repeating: "<p class=\"row\">text <a href=\"/x\">link</a></p>\n", count: 400)
                    + "</body></html>").utf8)
        }
        let edits = [
            HTMLEdit(selector: try! HTMLSelector(parsing: "h1"), action: .text("New")),
            HTMLEdit(selector: try! HTMLSelector(parsing: "body"), action: .append("<footer>end</footer>")),
        ]
        let memo = RewriteMemo()
        let first = page("a1b2c3d4")
        let cuts = Array(stride(from: 1000, to: first.count, by: 1000))
        _ = memoizedRewrite(first, edits: edits, cuts: cuts, memo: memo)
        let second = page("e5f6a7b8")
        let result = memoizedRewrite(second, edits: edits, cuts: cuts, memo: memo)
        #expect(result.output == rewrite(second, edits: edits, cuts: []).output)
        #expect(result.matchedEdits == [true, true])
        #expect(result.didCatchUp, "edited up to the first checkpoint after the id, copied after")
        #expect(!result.wasRemembered)
    }

    @Test func aPageIsGivenOutPieceByPieceAsItArrives() {
        let page = Array(
            ("<html><head></head><body>" + String(repeating: "<p>text</p>", count: 1000) + "</body></html>").utf8)
        let edits = [HTMLEdit(selector: try! HTMLSelector(parsing: "p"), action: .text("edited"))]
        let memo = RewriteMemo()
        let cuts = stride(from: 1000, to: page.count, by: 1000).map { $0 }
        _ = memoizedRewrite(page, edits: edits, cuts: cuts, memo: memo)
        let rewriter = MemoizedRewriter(edits: edits, key: "/", memo: memo)
        var output: [UInt8] = []
        page.withUnsafeBytes { rewriter.feed(UnsafeRawBufferPointer(rebasing: $0[0..<5000]), into: &output) }
        #expect(output.count > 4000, "the first pieces go out before the page has all come")
    }

    @Test func otherEditsOrAnotherKeyDoNotUseTheRememberedPage() {
        let page = Array("<h1>Old</h1>".utf8)
        let memo = RewriteMemo()
        let bold = [HTMLEdit(selector: try! HTMLSelector(parsing: "h1"), action: .text("Bold"))]
        let plain = [HTMLEdit(selector: try! HTMLSelector(parsing: "h1"), action: .text("Plain"))]
        _ = memoizedRewrite(page, edits: bold, cuts: [], memo: memo)
        let other = memoizedRewrite(page, edits: plain, cuts: [], memo: memo)
        #expect(String(decoding: other.output, as: UTF8.self).contains("Plain"))
        #expect(!other.wasRemembered)
        #expect(!memoizedRewrite(page, edits: bold, cuts: [], memo: memo, key: "/other").wasRemembered)
        #expect(memoizedRewrite(page, edits: bold, cuts: [], memo: memo).wasRemembered == false, "plain replaced it")
    }

    @Test func theMemoStaysWithinItsBudget() {
        let memo = RewriteMemo(byteBudget: 64 * 1024, largestPage: 16 * 1024)
        let edits = [HTMLEdit(selector: try! HTMLSelector(parsing: "p"), action: .append("!"))]
        let big = Array(String(repeating: "<p>x</p>", count: 3000).utf8)  // 24 KiB: over `largestPage`
        _ = memoizedRewrite(big, edits: edits, cuts: [8000, 16000], memo: memo)
        #expect(memo.count == 0, "a page over largestPage is not remembered")
        for index in 0..<40 {
            let page = Array((String(repeating: "<p>x</p>", count: 500) + "\(index)").utf8)  // 4 KiB
            _ = memoizedRewrite(page, edits: edits, cuts: [], memo: memo, key: "/\(index)")
            #expect(memo.storedBytes <= memo.byteBudget)
        }
        #expect(memo.count > 1 && memo.count < 40, "the oldest pages were forgotten")
        #expect(memo.reservedBytes == 0)
        // A rewriter dropped mid-page gives its recording's room back.
        do {
            let rewriter = MemoizedRewriter(edits: edits, key: "/dropped", memo: memo)
            var output: [UInt8] = []
            big.withUnsafeBytes { rewriter.feed(UnsafeRawBufferPointer(rebasing: $0[0..<100]), into: &output) }
            #expect(memo.reservedBytes > 0)
        }
        #expect(memo.reservedBytes == 0)
    }

    @Test func aPageThatDiffersOnEveryVisitIsRecordedOnlyNowAndThen() {
        let memo = RewriteMemo()
        let edits = [HTMLEdit(selector: try! HTMLSelector(parsing: "h1"), action: .text("New"))]
        func page(_ id: Int) -> [UInt8] {
            Array("<html><head><meta name=\"id\" content=\"\(id)\"></head><body><h1>Old</h1></body></html>".utf8)
        }
        var remembered: [Int] = []
        for visit in 1...200 {
            _ = memoizedRewrite(page(visit), edits: edits, cuts: [], memo: memo)
            let kept = String(decoding: memo.page(for: "/")!.input, as: UTF8.self)
            if kept.contains("content=\"\(visit)\"") { remembered.append(visit) }
        }
        #expect(remembered == [1, 2, 3, 65, 129, 193], "the first, two more, then one in 64")
        // Once the page stops changing, it is remembered again within 64 visits and then copied.
        var copied = 0
        for _ in 1...70 where memoizedRewrite(page(0), edits: edits, cuts: [], memo: memo).wasRemembered { copied += 1 }
        #expect(copied > 0)
        #expect(memo.page(for: "/")!.hits == copied)
    }

    /// The page changed as a site's pages change between two visits, or not at all.
    static func variant(of page: [UInt8], _ pages: inout RandomPages) -> ([UInt8], String) {
        var changed = page
        let at = pages.int(in: 0...page.count)
        switch pages.int(in: 0...5) {
        case 0: return (page, "the same")
        case 1 where !page.isEmpty:
            let index = min(at, page.count - 1)
            changed[index] = changed[index] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
            return (changed, "byte \(index) changed")
        case 2:
            changed.insert(contentsOf: Array("<p class=\"lead\">new</p>".utf8), at: at)
            return (changed, "markup inserted at \(at)")
        case 3: return (Array(page[0..<at]), "cut at \(at)")
        case 4: return (page + Array("<div id=\"more\">more</div>".utf8), "longer")
        default: return (page, "the same")
        }
    }
}

private func randomCuts(_ count: Int, _ pages: inout RandomPages) -> [Int] {
    (0..<pages.int(in: 0...6)).map { _ in pages.int(in: 0...count) }.sorted()
}

/// The page through a `MemoizedRewriter`, fed in chunks cut at `cuts`.
func memoizedRewrite(
    _ page: [UInt8], edits: [HTMLEdit], cuts: [Int], memo: RewriteMemo, key: String = "/"
) -> (output: [UInt8], matchedEdits: [Bool], wasRemembered: Bool, didCatchUp: Bool) {
    let rewriter = MemoizedRewriter(edits: edits, key: key, memo: memo)
    var output: [UInt8] = []
    page.pieces(cutAt: cuts) { rewriter.feed($0, into: &output) }
    rewriter.finish(into: &output)
    return (output, rewriter.matchedEdits, rewriter.wasRemembered, rewriter.didCatchUp)
}
