/// Applies edits to one HTML response as it streams: feed it the body chunk by chunk, then
/// call `finish`. Bytes no edit touches come out exactly as they went in; memory stays bounded
/// (a tag split across chunks and the open elements) whatever the size of the page. One per
/// response, used from one thread at a time.
///
/// Selectors match the elements of the page as it came, the way a browser would build them
/// (implied end tags, implied `head` and `body`, raw text); markup an edit inserts is not
/// matched by other edits. Edits of the same element apply in the order given.
public final class HTMLRewriter {
    private var engine: RewriteEngine
    private var isFinished = false

    /// A rewriter applying `edits`, in order, to the elements of one response.
    public init(edits: [HTMLEdit]) {
        engine = RewriteEngine(edits: edits)
    }

    /// Rewrites the next chunk of the body, appending to `output` every byte that is settled:
    /// all of it except a tag (or a `<` that may start one) cut by the end of the chunk.
    public func feed(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        assert(!isFinished, "HTMLRewriter.feed after finish")
        guard !isFinished else { return }
        swap(&engine.out, &output)
        engine.feed(chunk)
        swap(&engine.out, &output)
    }

    /// Ends the body, appending what is left: a tag cut short by the end, and the markup edits
    /// add at the end of elements still open.
    public func finish(into output: inout [UInt8]) {
        guard !isFinished else { return }
        isFinished = true
        swap(&engine.out, &output)
        engine.finish()
        swap(&engine.out, &output)
    }

    /// Per edit, in the order given: whether its selector matched an element of this response
    /// (even one inside content that another edit removed), for counting responses per edit.
    public var matchedEdits: [Bool] { engine.matchedEdits }

    /// What the rewriter keeps between chunks besides fixed-size state: the bytes of a tag cut
    /// by a chunk's end, and the open elements. For tests of its memory bound.
    var retainedByteCount: Int { engine.retainedByteCount }

    /// See `RewriteEngine.resumableState`.
    var resumableState: RewriteState { engine.resumableState }

    /// Per edit, how many elements it matched so far.
    var matchCounts: [Int] { engine.matchCounts }
}

extension HTMLRewriter {
    /// Rewrites a whole page at once; a convenience for tests and small bodies.
    public static func rewrite(_ page: some Sequence<UInt8>, edits: [HTMLEdit]) -> (
        output: [UInt8], matchedEdits: [Bool]
    ) {
        let rewriter = HTMLRewriter(edits: edits)
        var output: [UInt8] = []
        Array(page).withUnsafeBytes { rewriter.feed($0, into: &output) }
        rewriter.finish(into: &output)
        return (output, rewriter.matchedEdits)
    }
}
