/// An `HTMLRewriter` that remembers the pages it edits (in a loop's `RewriteMemo`) and, when
/// the same page comes again for the same edits, compares it with the remembered one instead
/// of tokenizing it: while the bytes are the same it gives out the remembered output, a piece
/// for each `feed` of the run that made it, so the page still streams.
///
/// The rewriter is deterministic: the same `feed` calls with the same bytes give the same
/// output. So where the page first differs (a CSRF token, a request id), a fresh rewriter is
/// fed the remembered bytes up to the last piece given out, in the pieces that made it (its
/// output, already given, is dropped), then the rest of the page: the visitor gets exactly
/// what an `HTMLRewriter` alone would have given.
///
/// It then tries to catch up with the remembered run: it feeds the page in pieces that end
/// where the remembered run's did, and where its state (`RewriteState`) equals the state the
/// remembered run had at the same offset, what follows is edited as it was then, if it is the
/// same: it goes back to comparing and copying. So a page that differs only in a few bytes of
/// the same length (a token, an id, a timestamp) costs little more than an unchanged one.
public final class MemoizedRewriter {
    private let edits: [HTMLEdit]
    private let key: String
    private let memo: RewriteMemo
    /// The remembered page this one is compared with.
    private let page: RememberedPage?

    private enum Mode {
        /// The page has been the remembered one since `caughtUp` (or its start).
        case following
        case rewriting(HTMLRewriter)
        case finished
    }
    private var mode: Mode

    /// Bytes of the page fed so far.
    private var consumed = 0
    /// Remembered checkpoints given out (while following) or passed (while rewriting), and the
    /// remembered output given with them.
    private var checkpointsPassed = 0
    private var outputGiven = 0
    /// Once caught up: a rewriter that has read this page up to remembered checkpoint
    /// `checkpoint`, in the remembered state there (nil: following since the start).
    private var caughtUp: (rewriter: HTMLRewriter, checkpoint: Int)?
    /// Whether to compare states with the remembered run while rewriting.
    private var mayCatchUp = false
    /// This page has counted as a miss of the remembered one (once, however often it differs).
    private var missCounted = false

    /// While rewriting, the page being recorded to be remembered at its end.
    private var recording: Recording?
    private struct Recording {
        var input: [UInt8] = []
        var output: [UInt8] = []
        var checkpoints: [RememberedPage.Checkpoint] = []
        var resumptions: [RememberedPage.Resumption] = []
        /// The misses of the page it replaces, kept while no visit got a page whole.
        var misses = 0

        /// What its resumptions take, as `RememberedPage.byteCount` counts them.
        var resumptionBytes = 0

        /// About what it holds, as `RememberedPage.byteCount` will count it.
        var byteCount: Int {
            input.count + output.count + checkpoints.count * MemoryLayout<RememberedPage.Checkpoint>.stride
                + resumptionBytes
        }

        mutating func append(_ resumption: RememberedPage.Resumption) {
            resumptions.append(resumption)
            resumptionBytes += resumption.byteCount
        }
    }

    /// Per edit: it matched an element (complete after `finish`).
    public private(set) var matchedEdits: [Bool]
    /// The whole page was the remembered one: it was copied, not edited.
    public private(set) var wasRemembered = false
    /// The page differed from the remembered one, then caught up with it and was copied from
    /// there on.
    public private(set) var didCatchUp = false

    /// A rewriter applying `edits` to the page known as `key` (e.g. its URL), remembering it in `memo`.
    public init(edits: [HTMLEdit], key: String, memo: RewriteMemo) {
        self.edits = edits
        self.key = key
        self.memo = memo
        matchedEdits = Array(repeating: false, count: edits.count)
        let remembered = memo.page(for: key)
        if let remembered, remembered.edits == edits {
            page = remembered
            mode = .following
        } else {
            page = nil
            mode = .rewriting(HTMLRewriter(edits: edits))
            // Other edits (another goal script, say) replace the page only now and then.
            if remembered?.missed() ?? true { startRecording(Recording()) }
        }
    }

    deinit {
        if recording != nil { memo.endRecording() }
    }

    /// Edits the next piece of the page, appending to `output` what is ready.
    public func feed(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        switch mode {
        case .following:
            follow(chunk, into: &output)
        case .rewriting(let rewriter):
            rewrite(chunk, with: rewriter, into: &output)
        case .finished:
            assertionFailure("MemoizedRewriter.feed after finish")
        }
    }

    /// Appends what is left of the page (what the rewriter held back, the end-of-page effects).
    public func finish(into output: inout [UInt8]) {
        if case .following = mode, let page {
            if consumed == page.input.count {
                let start = outputGiven
                output.append(contentsOf: page.output[outputGiven...])
                if let caughtUp {
                    let counts = matchCounts(after: caughtUp, at: page.matchCounts, of: page)
                    matchedEdits = counts.map { $0 > 0 }
                    didCatchUp = true
                    if recording != nil {
                        recording!.output.append(contentsOf: page.output[start...])
                        remember(counts: counts)
                    }
                } else {
                    matchedEdits = page.matchedEdits
                    wasRemembered = true
                    page.hits += 1
                }
                mode = .finished
                return
            }
            // The page ended early: it is not the remembered one.
            mode = .rewriting(takeOver(from: page, into: &output))
        }
        guard case .rewriting(let rewriter) = mode else { return }
        mode = .finished
        let start = output.count
        rewriter.finish(into: &output)
        matchedEdits = rewriter.matchedEdits
        guard recording != nil else { return }
        recording!.output.append(contentsOf: output[start...])
        remember(counts: rewriter.matchCounts)
    }

    /// Ends the recording with the end of the page: remembered in place of the page it replaces.
    private func remember(counts: [Int]) {
        guard var recording else { return }
        self.recording = nil
        memo.endRecording()
        recording.checkpoints.append(.init(input: recording.input.count, output: recording.output.count))
        let remembered = RememberedPage(
            key: key, edits: edits, input: recording.input, output: recording.output,
            checkpoints: recording.checkpoints, resumptions: recording.resumptions, matchCounts: counts)
        remembered.misses = recording.misses
        memo.remember(remembered)
    }

    /// The match counts of this page at a remembered checkpoint, once caught up: its own at
    /// catching up, and the remembered run's since.
    private func matchCounts(
        after caughtUp: (rewriter: HTMLRewriter, checkpoint: Int), at remembered: [Int], of page: RememberedPage
    ) -> [Int] {
        let own = caughtUp.rewriter.matchCounts
        let then = page.resumptions[caughtUp.checkpoint].matchCounts
        return edits.indices.map { own[$0] + remembered[$0] - then[$0] }
    }

    // MARK: Following the remembered page

    private func follow(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        guard let page else { return }
        if chunk.count <= page.input.count - consumed && isRemembered(chunk, in: page) {
            consumed += chunk.count
            giveOut(page, into: &output)
        } else {
            let rewriter = takeOver(from: page, into: &output)
            rewrite(chunk, with: rewriter, into: &output)
        }
    }

    private func isRemembered(_ chunk: UnsafeRawBufferPointer, in page: RememberedPage) -> Bool {
        guard let bytes = chunk.baseAddress, !chunk.isEmpty else { return true }
        return page.input.withUnsafeBytes { remembered in
            ByteCompare.equalBytes(remembered.baseAddress! + consumed, bytes, count: chunk.count)
        }
    }

    /// Gives out the remembered output of every checkpoint the page has now passed (not the
    /// last, which is the end of the page: that waits for `finish`).
    private func giveOut(_ page: RememberedPage, into output: inout [UInt8]) {
        var given = outputGiven
        while checkpointsPassed < page.checkpoints.count - 1 && page.checkpoints[checkpointsPassed].input <= consumed {
            if recording != nil, let caughtUp { recordRemembered(checkpoint: checkpointsPassed, of: page, caughtUp) }
            given = page.checkpoints[checkpointsPassed].output
            checkpointsPassed += 1
        }
        if given > outputGiven {
            output.append(contentsOf: page.output[outputGiven..<given])
            outputGiven = given
        }
    }

    /// A page being recorded that caught up with the remembered one takes the remembered
    /// pieces as its own: the same bytes, fed from the same state, give the same output.
    private func recordRemembered(
        checkpoint: Int, of page: RememberedPage, _ caughtUp: (rewriter: HTMLRewriter, checkpoint: Int)
    ) {
        let previous = page.checkpoints[checkpoint - 1]
        let current = page.checkpoints[checkpoint]
        if recording!.byteCount + (current.input - previous.input) + (current.output - previous.output)
            > memo.largestPage
        {
            recording = nil  // too large to remember
            memo.endRecording()
            return
        }
        recording!.input.append(contentsOf: page.input[previous.input..<current.input])
        recording!.output.append(contentsOf: page.output[previous.output..<current.output])
        recording!.checkpoints.append(.init(input: recording!.input.count, output: recording!.output.count))
        let resumption = page.resumptions[checkpoint]
        recording!.append(
            .init(
                state: resumption.state, matchCounts: matchCounts(after: caughtUp, at: resumption.matchCounts, of: page)
            ))
    }

    /// The page has turned out not to be the remembered one from where it is: a rewriter is
    /// brought to the last checkpoint given out (a fresh one from the start, or the one that
    /// caught up from its checkpoint), fed the remembered pieces up to there (dropping their
    /// output, already given), then the bytes seen since (equal to the remembered ones).
    private func takeOver(from page: RememberedPage, into output: inout [UInt8]) -> HTMLRewriter {
        let rewriter = caughtUp?.rewriter ?? HTMLRewriter(edits: edits)
        let first = caughtUp.map { $0.checkpoint + 1 } ?? 0
        var start = first > 0 ? page.checkpoints[first - 1].input : 0
        var dropped: [UInt8] = []
        page.input.withUnsafeBytes { remembered in
            for checkpoint in page.checkpoints[first..<checkpointsPassed] {
                rewriter.feed(UnsafeRawBufferPointer(rebasing: remembered[start..<checkpoint.input]), into: &dropped)
                start = checkpoint.input
            }
        }
        mode = .rewriting(rewriter)
        // Counted once per visit, however often the page differs. The page so far is the
        // remembered one from its start: a recording starts from the remembered pieces.
        if !missCounted {
            missCounted = true
            if page.missed() {
                startRecording(
                    Recording(
                        input: Array(page.input[0..<start]), output: Array(page.output[0..<outputGiven]),
                        checkpoints: Array(page.checkpoints[0..<checkpointsPassed]),
                        resumptions: Array(page.resumptions[0..<checkpointsPassed]),
                        misses: page.hits > 0 ? 0 : page.misses,
                        resumptionBytes: page.resumptions[0..<checkpointsPassed].reduce(0) { $0 + $1.byteCount }))
            }
        }
        caughtUp = nil
        mayCatchUp = true
        if consumed > start {
            // Bytes since the last checkpoint, the same as the remembered ones: no checkpoint in between.
            let seen = consumed
            consumed = start
            page.input.withUnsafeBytes { remembered in
                feedAndRecord(UnsafeRawBufferPointer(rebasing: remembered[start..<seen]), rewriter, into: &output)
            }
        }
        return rewriter
    }

    // MARK: Rewriting

    /// Feeds the rewriter; while it may catch up with the remembered run, in pieces cut where
    /// that run's were, comparing states at each.
    private func rewrite(_ chunk: UnsafeRawBufferPointer, with rewriter: HTMLRewriter, into output: inout [UInt8]) {
        guard mayCatchUp, let page else { return feedAndRecord(chunk, rewriter, into: &output) }
        var offset = 0
        while true {
            // The next remembered feed checkpoint at or after this offset of the page.
            while checkpointsPassed < page.checkpoints.count - 1 && page.checkpoints[checkpointsPassed].input < consumed
            {
                checkpointsPassed += 1
            }
            let remaining = chunk.count - offset
            guard checkpointsPassed < page.checkpoints.count - 1,
                page.checkpoints[checkpointsPassed].input <= consumed + remaining
            else {
                return feedAndRecord(
                    UnsafeRawBufferPointer(rebasing: chunk[offset...]), rewriter, into: &output)
            }
            let checkpoint = checkpointsPassed
            let piece = page.checkpoints[checkpoint].input - consumed
            feedAndRecord(UnsafeRawBufferPointer(rebasing: chunk[offset..<offset + piece]), rewriter, into: &output)
            offset += piece
            checkpointsPassed = checkpoint + 1
            // Not at the piece's start: the page has just differed there, so catching up would
            // only differ again at once, without reading a byte.
            if piece > 0 && rewriter.resumableState == page.resumptions[checkpoint].state {
                catchUp(with: rewriter, at: checkpoint, page: page)
                return follow(UnsafeRawBufferPointer(rebasing: chunk[offset...]), into: &output)
            }
        }
    }

    /// The rewriter stands where the remembered run stood after its checkpoint: the rest is
    /// compared and copied again.
    private func catchUp(with rewriter: HTMLRewriter, at checkpoint: Int, page: RememberedPage) {
        caughtUp = (rewriter, checkpoint)
        mode = .following
        mayCatchUp = false
        outputGiven = page.checkpoints[checkpoint].output
    }

    private func feedAndRecord(_ chunk: UnsafeRawBufferPointer, _ rewriter: HTMLRewriter, into output: inout [UInt8]) {
        guard recording != nil else {
            rewriter.feed(chunk, into: &output)
            consumed += chunk.count
            return
        }
        // Recorded in pieces of at most `longestPiece`, each a checkpoint.
        var offset = 0
        repeat {
            let piece = UnsafeRawBufferPointer(
                rebasing: chunk[offset..<min(chunk.count, offset + RewriteMemo.longestPiece)])
            offset += piece.count
            let start = output.count
            rewriter.feed(piece, into: &output)
            consumed += piece.count
            guard recording != nil else { continue }
            if recording!.input.count + piece.count > RewriteMemo.longestInput
                || recording!.byteCount + piece.count + output.count - start > memo.largestPage
            {
                recording = nil  // too large to remember
                memo.endRecording()
                continue
            }
            recording!.input.append(contentsOf: piece)
            recording!.output.append(contentsOf: output[start...])
            recording!.checkpoints.append(.init(input: recording!.input.count, output: recording!.output.count))
            recording!.append(.init(state: rewriter.resumableState, matchCounts: rewriter.matchCounts))
        } while offset < chunk.count
    }

    private func startRecording(_ started: Recording) {
        if memo.reserveRecording() { recording = started }
    }
}
