import Testing

@testable import BanditHTML

/// The rewriter streams: what it keeps does not grow with the page, and what it can write it
/// writes at once.
@Suite struct MemoryBoundTests {
    static let block = Array(
        """
        <div class="card"><h2 class="title">Item</h2><p class="price">9.99</p><img src="/i.png" alt="">\
        <div class="ad">buy</div><p>\(String(repeating: "Lorem ipsum dolor sit amet. ", count: 150))</p></div>

        """.utf8)
    static let edits = [
        edit(".price", .text("8.99")), edit(".ad", .remove), edit("img", .setAttribute(name: "alt", value: "item")),
        edit("h2", .before("<hr>")), edit("body", .append("<script>end()</script>")),
    ]

    @Test func aFiftyMebibytePageIsRewrittenWithAFewKibibytesKept() {
        let rewriter = HTMLRewriter(edits: Self.edits)
        let page = Array("<!doctype html><html><head><title>t</title></head><body>".utf8)
        var output: [UInt8] = []
        page.withUnsafeBytes { rewriter.feed($0, into: &output) }
        let chunk = Array(repeatElement(Self.block, count: 64 * 1024 / Self.block.count).joined())
        let blocksPerChunk = 64 * 1024 / Self.block.count
        let chunks = 50 * 1024 * 1024 / chunk.count
        var written = output.count
        var mostKept = 0
        for index in 0..<chunks {
            output.removeAll(keepingCapacity: true)
            // Cut every chunk inside a tag too, so that one is always held across the cut.
            chunk.withUnsafeBytes { bytes in
                let cut = 1000 + index % 7
                rewriter.feed(UnsafeRawBufferPointer(rebasing: bytes[..<cut]), into: &output)
                rewriter.feed(UnsafeRawBufferPointer(rebasing: bytes[cut...]), into: &output)
            }
            written += output.count
            mostKept = max(mostKept, rewriter.retainedByteCount)
        }
        output.removeAll(keepingCapacity: true)
        rewriter.finish(into: &output)
        written += output.count
        let editedBlock = rewrite(
            String(decoding: Self.block, as: UTF8.self), edit(".price", .text("8.99")), edit(".ad", .remove),
            edit("img", .setAttribute(name: "alt", value: "item")), edit("h2", .before("<hr>")))
        let expected =
            page.count + chunks * blocksPerChunk * editedBlock.utf8.count + "<script>end()</script>".utf8.count
        #expect(written == expected)
        #expect(mostKept < 16 * 1024, "kept \(mostKept) bytes")
        #expect(rewriter.matchedEdits == [true, true, true, true, true])
    }

    @Test func whatIsSettledIsWrittenBeforeThePageEnds() {
        let rewriter = HTMLRewriter(edits: [edit("h1", .text("New")), edit("body", .append("!"))])
        var output: [UInt8] = []
        Array("<body><h1>Old</h1><p>Intro</p><a href=\"/x".utf8).withUnsafeBytes { rewriter.feed($0, into: &output) }
        // Everything up to the cut tag, which may still turn out to be edited.
        #expect(String(decoding: output, as: UTF8.self) == "<body><h1>New</h1><p>Intro</p>")
        Array("\">x</a>".utf8).withUnsafeBytes { rewriter.feed($0, into: &output) }
        #expect(String(decoding: output, as: UTF8.self) == "<body><h1>New</h1><p>Intro</p><a href=\"/x\">x</a>")
        rewriter.finish(into: &output)
        #expect(String(decoding: output, as: UTF8.self).hasSuffix("</a>!"))
    }

    @Test func theContentOfARemovedElementIsDroppedAsItStreams() {
        let rewriter = HTMLRewriter(edits: [edit("#big", .remove)])
        var output: [UInt8] = []
        Array("<p>a</p><div id=big>".utf8).withUnsafeBytes { rewriter.feed($0, into: &output) }
        let filler = Array(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<8 {
            filler.withUnsafeBytes { rewriter.feed($0, into: &output) }
            #expect(rewriter.retainedByteCount < 4096)
        }
        Array("</div><p>b</p>".utf8).withUnsafeBytes { rewriter.feed($0, into: &output) }
        rewriter.finish(into: &output)
        #expect(String(decoding: output, as: UTF8.self) == "<p>a</p><p>b</p>")
    }

    @Test func aTagTooLongToHoldPassesThroughAndTheRestIsStillEdited() {
        let value = String(repeating: "A", count: 3 * HTMLTokenizer.longestHeldTag)
        let page = Array(
            "<div class=x><img alt=\"a>b\" src=\"data:image/png;base64,\(value)\"/><p>t</p></div><p>u</p>".utf8)
        let edits = [
            edit("img", .setAttribute(name: "alt", value: "b")), edit(".x p", .text("T")), edit("p", .append("!")),
        ]
        let cuts = Array(stride(from: 0, to: page.count, by: 64 * 1024))
        let rewriter = HTMLRewriter(edits: edits)
        var output: [UInt8] = []
        var mostKept = 0
        page.withUnsafeBytes { bytes in
            for (start, end) in zip(cuts, cuts.dropFirst() + [bytes.count]) {
                rewriter.feed(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &output)
                mostKept = max(mostKept, rewriter.retainedByteCount)
            }
        }
        rewriter.finish(into: &output)
        let expected = String(decoding: page, as: UTF8.self).replacingFirst(
            "<p>t</p></div><p>u</p>", "<p>T!</p></div><p>u!</p>")
        let isExpected = output == Array(expected.utf8)
        #expect(isExpected, "the image, unmatched, passes through; its siblings are edited")
        #expect(rewriter.matchedEdits == [false, true, true])
        #expect(mostKept < 2 * HTMLTokenizer.longestHeldTag)
    }

    @Test func aRawTextElementWithATagTooLongToHoldStillHidesItsText() {
        // The end of the long value looks like the end of the textarea, but is still in the tag.
        let value = String(repeating: "A", count: 2 * HTMLTokenizer.longestHeldTag) + "</textarea><p class=x>q</p>"
        let page = Array("<textarea title=\"\(value)\"><p class=x>not a tag</p></textarea><p class=x>y</p>".utf8)
        let cuts = Array(stride(from: 0, to: page.count, by: 64 * 1024))
        let result = rewrite(page, edits: [edit(".x", .text("z"))], cuts: cuts)
        let expected = String(decoding: page, as: UTF8.self).replacingFirst("<p class=x>y</p>", "<p class=x>z</p>")
        // Compared outside #expect, which would print megabytes on a failure.
        let isExpected = result.output == Array(expected.utf8)
        #expect(isExpected)
    }

    @Test func deeplyNestedElementsKeepTheStackBounded() {
        let depth = 100_000
        let page = Array(
            (String(repeating: "<div>", count: depth) + "<p class=x>a</p>" + String(repeating: "</div>", count: depth))
                .utf8)
        let rewriter = HTMLRewriter(edits: [edit(".x", .after("!")), edit(".x", .text("b"))])
        var output: [UInt8] = []
        page.withUnsafeBytes { rewriter.feed($0, into: &output) }
        #expect(rewriter.retainedByteCount < 256 * 1024)
        rewriter.finish(into: &output)
        // So deep, elements are placed without content: edits around them apply, edits inside do not.
        let expected = String(decoding: page, as: UTF8.self).replacingFirst("<p class=x>", "<p class=x>!")
        let isExpected = output == Array(expected.utf8)
        #expect(isExpected)
        #expect(rewriter.matchedEdits == [true, true])
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, _ replacement: String) -> String {
        replacing(target, with: replacement, maxReplacements: 1)
    }
}
