/// An `HTMLRewriter` that remembers the pages it edits (in a loop's `RewriteMemo`) and, when
/// the same page comes again for the same edits, compares it with the remembered one instead
/// of tokenizing it: while the bytes are the same it gives out the remembered output, a piece
/// for each `feed` of the run that made it, so the page still streams.
///
/// The rewriter is deterministic: the same `feed` calls with the same bytes give the same
/// output. So where the page first differs (a CSRF token, a timestamp), a fresh rewriter is
/// fed the remembered bytes up to the last piece given out, in the pieces that made it (its
/// output, already given, is dropped), then the rest of the page: the visitor gets exactly
/// what an `HTMLRewriter` alone would have given. A page that differs every time costs one
/// comparison and one copy more than editing it; one that does not costs those alone.
public final class MemoizedRewriter {
    private let edits: [HTMLEdit]
    private let key: String
    private let memo: RewriteMemo

    private enum Mode {
        /// The page has been the remembered one so far.
        case following(RememberedPage)
        case rewriting(HTMLRewriter)
        case finished
    }
    private var mode: Mode

    /// While following: the bytes of the page seen so far (all equal to the remembered ones),
    /// the checkpoints given out, and the output given with them.
    private var matched = 0
    private var checkpointsGiven = 0
    private var outputGiven = 0

    /// While rewriting, the page being recorded to be remembered at its end.
    private var recording: Recording?
    private struct Recording {
        var input: [UInt8] = []
        var output: [UInt8] = []
        var checkpoints: [RememberedPage.Checkpoint] = []
        /// The misses of the page it replaces, kept while no visit got a page whole.
        var misses = 0
    }

    /// Per edit: it matched an element (complete after `finish`).
    public private(set) var matchedEdits: [Bool]
    /// The whole page was the remembered one: it was copied, not edited.
    public private(set) var wasRemembered = false

    /// A rewriter applying `edits` to the page known as `key` (e.g. its URL), remembering it in `memo`.
    public init(edits: [HTMLEdit], key: String, memo: RewriteMemo) {
        self.edits = edits
        self.key = key
        self.memo = memo
        matchedEdits = Array(repeating: false, count: edits.count)
        if let page = memo.page(for: key, edits: edits) {
            mode = .following(page)
        } else {
            mode = .rewriting(HTMLRewriter(edits: edits))
            if memo.reserveRecording() { recording = Recording() }
        }
    }

    deinit {
        if recording != nil { memo.endRecording() }
    }

    /// Edits the next piece of the page, appending to `output` what is ready.
    public func feed(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        switch mode {
        case .following(let page):
            if chunk.count <= page.input.count - matched && isRemembered(chunk, in: page) {
                matched += chunk.count
                giveOut(page, upTo: matched, into: &output)
            } else {
                let rewriter = takeOver(from: page, into: &output)
                rewrite(chunk, with: rewriter, into: &output)
            }
        case .rewriting(let rewriter):
            rewrite(chunk, with: rewriter, into: &output)
        case .finished:
            assertionFailure("MemoizedRewriter.feed after finish")
        }
    }

    /// Appends what is left of the page (what the rewriter held back, the end-of-page effects).
    public func finish(into output: inout [UInt8]) {
        var current = mode
        if case .following(let page) = current {
            if matched == page.input.count {
                output.append(contentsOf: page.output[outputGiven...])
                matchedEdits = page.matchedEdits
                wasRemembered = true
                page.hits += 1
                mode = .finished
                return
            }
            // The page ended early: it is not the remembered one.
            current = .rewriting(takeOver(from: page, into: &output))
        }
        guard case .rewriting(let rewriter) = current else { return }
        mode = .finished
        let start = output.count
        rewriter.finish(into: &output)
        matchedEdits = rewriter.matchedEdits
        guard var recording else { return }
        self.recording = nil
        memo.endRecording()
        recording.output.append(contentsOf: output[start...])
        recording.checkpoints.append(.init(input: recording.input.count, output: recording.output.count))
        let page = RememberedPage(
            key: key, edits: edits, input: recording.input, output: recording.output,
            checkpoints: recording.checkpoints, matchedEdits: matchedEdits)
        page.misses = recording.misses
        memo.remember(page)
    }

    private func isRemembered(_ chunk: UnsafeRawBufferPointer, in page: RememberedPage) -> Bool {
        guard let bytes = chunk.baseAddress else { return true }
        return page.input.withUnsafeBytes { remembered in
            ByteCompare.equalBytes(remembered.baseAddress! + matched, bytes, count: chunk.count)
        }
    }

    /// Gives out the remembered output of every checkpoint the page has now passed (not the
    /// last, which is the end of the page: that waits for `finish`).
    private func giveOut(_ page: RememberedPage, upTo input: Int, into output: inout [UInt8]) {
        var given = outputGiven
        while checkpointsGiven < page.checkpoints.count - 1 && page.checkpoints[checkpointsGiven].input <= input {
            given = page.checkpoints[checkpointsGiven].output
            checkpointsGiven += 1
        }
        if given > outputGiven {
            output.append(contentsOf: page.output[outputGiven..<given])
            outputGiven = given
        }
    }

    /// The page has turned out not to be the remembered one: a fresh rewriter is brought to
    /// where the output given out stands, then fed the bytes seen since (equal to the
    /// remembered ones), and recording starts over from the remembered start.
    private func takeOver(from page: RememberedPage, into output: inout [UInt8]) -> HTMLRewriter {
        let rewriter = HTMLRewriter(edits: edits)
        var dropped: [UInt8] = []
        var start = 0
        page.input.withUnsafeBytes { remembered in
            for checkpoint in page.checkpoints[0..<checkpointsGiven] {
                rewriter.feed(UnsafeRawBufferPointer(rebasing: remembered[start..<checkpoint.input]), into: &dropped)
                start = checkpoint.input
            }
        }
        assert(dropped.count == outputGiven, "the rewriter is not deterministic")
        mode = .rewriting(rewriter)
        page.misses += 1
        if page.isWorthReplacing && memo.reserveRecording() {
            var started = Recording(
                input: Array(page.input[0..<start]), output: Array(page.output[0..<outputGiven]),
                checkpoints: Array(page.checkpoints[0..<checkpointsGiven]), misses: page.hits > 0 ? 0 : page.misses)
            // The page that replaces it is likely about as long.
            started.input.reserveCapacity(page.input.count + page.input.count / 8)
            started.output.reserveCapacity(page.output.count + page.output.count / 8)
            recording = started
        }
        if matched > start {
            page.input.withUnsafeBytes { remembered in
                rewrite(UnsafeRawBufferPointer(rebasing: remembered[start..<matched]), with: rewriter, into: &output)
            }
        }
        return rewriter
    }

    private func rewrite(_ chunk: UnsafeRawBufferPointer, with rewriter: HTMLRewriter, into output: inout [UInt8]) {
        let start = output.count
        rewriter.feed(chunk, into: &output)
        guard recording != nil else { return }
        if recording!.input.count + chunk.count > memo.largestPage
            || recording!.output.count + output.count - start > 2 * memo.largestPage
        {
            recording = nil  // too large to remember
            memo.endRecording()
            return
        }
        recording!.input.append(contentsOf: chunk)
        recording!.output.append(contentsOf: output[start...])
        recording!.checkpoints.append(.init(input: recording!.input.count, output: recording!.output.count))
    }
}
