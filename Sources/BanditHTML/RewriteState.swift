/// A rewriter's state between two `feed` calls, as far as the rest of its output depends on
/// it: `MemoizedRewriter` compares a page that differed from a remembered one with the
/// remembered run, and once both stand in the same state at the same offset, the rest of the
/// page, if it is the same, has the same edited output.
struct RewriteState: Equatable {
    var tokenizer: HTMLTokenizer
    /// The open elements and the names of `.other` ones (the rest of `ElementStack` follows
    /// from them, and its per-tag counts would cost a kilobyte a state).
    var openElements: [OpenElement]
    var otherNames: [UInt8]
    var matcherStates: [UInt64]
    var phase: DocumentPhase
    var dropDepth: Int
    var endEffects: [EndEffects]
    var passedTagOpenedForeignElement: Bool

    /// About what keeping it costs, for the memo's budget.
    var approximateByteCount: Int {
        256 + tokenizer.held.count + tokenizer.attributes.count * MemoryLayout<AttributeSpan>.stride
            + tokenizer.rawTextEndTagName.count + openElements.count * MemoryLayout<OpenElement>.stride
            + otherNames.count + matcherStates.count * 8
            + endEffects.reduce(0) { $0 + $1.suffix.count + $1.after.count + 64 }
    }
}
