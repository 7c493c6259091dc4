/// How far the document skeleton has got, for the implied `html`, `head` and `body` elements
/// (pages may omit their tags; an edit of `head` or `body` must still find them).
enum DocumentPhase {
    case beforeHTML, beforeHead, inHead, afterHead, inBody
}

/// The rewriter's state and its output side: bytes pass through unless an edit drops them, and
/// edits add their markup as elements open and end. The tree-building rules are in `TreeBuilder.swift`.
struct RewriteEngine {
    let actions: [PreparedAction]
    let tags = TagTable.shared
    var matcher: SelectorMatcher
    var tokenizer = HTMLTokenizer()
    var stack: ElementStack
    var phase = DocumentPhase.beforeHTML {
        didSet { tokenizer.reportsText = phase != .inBody }
    }
    /// The stack index of the element being dropped (removed, or its content replaced), or -1;
    /// nothing is written while it is open.
    var dropDepth = -1
    /// For each open element with `hasEffects`, in stack order.
    var endEffects: [EndEffects] = []
    /// Per edit: how many elements it matched (an element may count twice for one edit).
    var matchCounts: [Int]
    /// Per edit: it matched an element.
    var matchedEdits: [Bool] { matchCounts.map { $0 > 0 } }
    /// The edits the current element matches (reused).
    private var matched: [Int] = []
    /// The caller's output, swapped in for the duration of a call.
    var out: [UInt8] = []
    /// The chunk `feed` is reading, and the run of it already settled to be written but not yet
    /// appended: unchanged bytes accumulate into one append instead of one per text and tag.
    private var chunk = UnsafeRawBufferPointer(start: nil, count: 0)
    private var settledStart = 0
    private var settledEnd = 0
    /// A start tag too long to hold opened an SVG/MathML element, which a `/>` at its end closes.
    var passedTagOpenedForeignElement = false

    /// How deep open elements may nest (Blink stops nesting at 512).
    static let deepestElement = 1024

    init(edits: [HTMLEdit]) {
        actions = edits.map { PreparedAction($0.action) }
        matcher = SelectorMatcher(edits.map(\.selector), tags: tags)
        stack = ElementStack(tags: tags)
        matchCounts = Array(repeating: 0, count: edits.count)
        tokenizer.reportsText = true
    }

    mutating func feed(_ chunk: UnsafeRawBufferPointer) {
        self.chunk = chunk
        settledStart = 0
        settledEnd = 0
        defer {
            appendSettled()
            self.chunk = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        var index = 0
        // Bytes of the chunk before this have been written or dropped.
        var passed = 0
        while true {
            switch tokenizer.next(in: chunk, at: &index) {
            case .tag(let end):
                pass(chunk, from: passed, to: tokenizer.tagStart)
                if tokenizer.held.isEmpty {
                    handleTag(UnsafeRawBufferPointer(rebasing: chunk[tokenizer.tagStart..<end]), matchable: true)
                } else {
                    handleHeldTag(matchable: true)
                }
                tokenizer.discardHeld()
                passed = end
            case .passedTagEnded(let end):
                pass(chunk, from: passed, to: end)
                passed = end
                if passedTagOpenedForeignElement && tokenizer.isSelfClosing { closeTop(endTag: nil) }
                passedTagOpenedForeignElement = false
            case .text(let position):
                pass(chunk, from: passed, to: position)
                passed = position
                textBegins()
            case .heldBytesReleased(let isText):
                // They come before anything of this chunk.
                if isText { textBegins() }
                emitHeld()
                tokenizer.discardHeld()
            case .endOfChunk(let passEnd):
                pass(chunk, from: passed, to: passEnd)
                if tokenizer.holdsTooLongATag() {
                    tokenizer.passTagThrough()
                    handleHeldTag(matchable: false)
                    tokenizer.discardHeld()
                }
                return
            }
        }
    }

    /// Everything the rest of the output depends on besides the rest of the page, read between
    /// two `feed` calls: two engines with equal states, fed the same bytes in the same pieces,
    /// write the same output.
    var resumableState: RewriteState {
        RewriteState(
            tokenizer: tokenizer, openElements: stack.elements, otherNames: stack.otherNameBytes,
            matcherStates: matcher.openStates, phase: phase,
            dropDepth: dropDepth, endEffects: endEffects, passedTagOpenedForeignElement: passedTagOpenedForeignElement)
    }

    var retainedByteCount: Int {
        tokenizer.held.capacity + stack.retainedByteCount
            + endEffects.reduce(0) { $0 + $1.suffix.count + $1.after.count }
    }

    mutating func finish() {
        // A tag cut short by the end of the page is not a tag: it passes through as it was.
        if tokenizer.finish() { emitHeld() }
        tokenizer.discardHeld()
        endOfDocument()
        while stack.count > 0 { closeTop(endTag: nil) }
    }

    private mutating func handleHeldTag(matchable: Bool) {
        let held = tokenizer.held
        held.withUnsafeBytes { handleTag($0, matchable: matchable) }
    }

    private mutating func handleTag(_ bytes: UnsafeRawBufferPointer, matchable: Bool) {
        // Moved out of the tokenizer while the tag is handled (and back after), rather than
        // copied: a copy would retain and release the array's storage on every tag.
        var attributes: [AttributeSpan] = []
        swap(&attributes, &tokenizer.attributes)
        defer { swap(&attributes, &tokenizer.attributes) }
        let attributeCount = matchable ? tokenizer.attributeCount : 0
        let nameStart = tokenizer.isEndTag ? 2 : 1
        let nameEnd = max(nameStart, min(tokenizer.nameEnd, bytes.count))
        let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
        let tag = tags.tag(named: name)
        attributes.withUnsafeBufferPointer { attributes in
            let view = TagView(
                bytes: bytes, tag: tag, name: name, nameEnd: nameEnd,
                attributes: UnsafeBufferPointer(rebasing: attributes[0..<attributeCount]))
            if tokenizer.isEndTag {
                endTag(view)
            } else {
                startTag(view, isSelfClosing: tokenizer.isSelfClosing, matchable: matchable)
            }
        }
    }

    // MARK: Output

    /// Writes bytes, unless an element is being dropped. Bytes of the chunk that follow the
    /// settled run just extend it.
    @inline(__always)
    mutating func emit(_ bytes: UnsafeRawBufferPointer) {
        guard dropDepth < 0, let start = bytes.baseAddress, !bytes.isEmpty else { return }
        if let base = chunk.baseAddress, start >= base, start < base + chunk.count {
            let offset = start - base
            if offset != settledEnd {
                appendSettled()
                settledStart = offset
            }
            settledEnd = offset + bytes.count
        } else {
            appendSettled()
            out.append(contentsOf: bytes)
        }
    }

    @inline(__always)
    mutating func emit(_ bytes: [UInt8]) {
        guard dropDepth < 0 && !bytes.isEmpty else { return }
        appendSettled()
        out.append(contentsOf: bytes)
    }

    /// Appends the settled run of the chunk; everything written after it must come after it.
    mutating func appendSettled() {
        if settledEnd > settledStart {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[settledStart..<settledEnd]))
        }
        settledStart = settledEnd
    }

    @inline(__always)
    private mutating func pass(_ chunk: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        if start < end { emit(UnsafeRawBufferPointer(rebasing: chunk[start..<end])) }
    }

    private mutating func emitHeld() {
        let held = tokenizer.held
        emit(held)
    }

    // MARK: Elements

    /// Opens an element, or places one without content (void, or `/>` in SVG/MathML), applying
    /// the edits it matches. A virtual element (implied `html`, `head`, `body`) has no tag of its
    /// own in the page; one is written only if an edit sets an attribute on it.
    mutating func openElement(
        _ view: TagView, _ namespace: Namespace, hasContent: Bool, contentModel: ContentModel = .data,
        matchable: Bool = true, isVirtual: Bool = false
    ) {
        // Past this depth elements are placed rather than opened, keeping the stack bounded
        // (browsers limit the depth of their trees too).
        let hasContent = hasContent && stack.count < Self.deepestElement
        if !matched.isEmpty { matched.removeAll(keepingCapacity: true) }
        if matchable {
            matcher.open(view, isOpen: hasContent, matched: &matched)
        } else if hasContent {
            matcher.openUnmatched()
            passedTagOpenedForeignElement = namespace != .html
        }
        let index = stack.count
        if matched.isEmpty || dropDepth >= 0 {
            for edit in matched { matchCounts[edit] += 1 }
            if !isVirtual { emit(view.bytes) }
            if hasContent { push(view, namespace, hasEffects: false) }
            return
        }
        matched.sort()
        var distinct: [Int] = []
        for edit in matched where distinct.last != edit {
            distinct.append(edit)
            matchCounts[edit] += 1
        }
        let rawText =
            contentModel == .scriptData || contentModel == .plaintext
            || (contentModel == .rawText && view.tag != .textarea && view.tag != .title)
        let effects = ElementEffects(distinct, actions: actions, rawTextContent: rawText)
        emit(effects.before)
        if effects.isRemoved {
            if hasContent {
                dropDepth = index
                push(view, namespace, hasEffects: true)
                endEffects.append(EndEffects(suffix: [], after: effects.after, isRemoved: true, isReplaced: false))
            } else {
                emit(effects.after)
            }
            return
        }
        if !effects.attributeEdits.isEmpty {
            appendSettled()
            AttributeRewriting.write(view, setting: effects.attributeEdits, of: actions, into: &out)
        } else if !isVirtual {
            emit(view.bytes)
        }
        guard hasContent else {
            emit(effects.after)
            return
        }
        emit(effects.prefix)
        if let replacement = effects.replacement {
            emit(replacement)
            dropDepth = index
        }
        let hasEffects = !effects.suffix.isEmpty || !effects.after.isEmpty || effects.replacement != nil
        push(view, namespace, hasEffects: hasEffects)
        if hasEffects {
            endEffects.append(
                EndEffects(
                    suffix: effects.suffix, after: effects.after, isRemoved: false,
                    isReplaced: effects.replacement != nil))
        }
    }

    /// Opens the element a page left implicit, at the current position.
    mutating func openVirtual(_ tag: Tag) {
        let bytes: [UInt8] = Array("<\(tag.name)>".utf8)
        bytes.withUnsafeBytes { bytes in
            let name = UnsafeRawBufferPointer(rebasing: bytes[1..<bytes.count - 1])
            let view = TagView(
                bytes: bytes, tag: tag, name: name, nameEnd: bytes.count - 1,
                attributes: UnsafeBufferPointer(start: nil, count: 0))
            openElement(view, .html, hasContent: true, isVirtual: true)
        }
    }

    private mutating func push(_ view: TagView, _ namespace: Namespace, hasEffects: Bool) {
        stack.push(view.tag, namespace, name: view.name, hasEffects: hasEffects)
        tokenizer.allowsCDATA = namespace != .html
    }

    /// Ends the innermost open element, at its end tag (written unless it is being dropped) or,
    /// with none, implicitly at the current position.
    mutating func closeTop(endTag: UnsafeRawBufferPointer?) {
        let element = stack.pop()
        matcher.close()
        tokenizer.allowsCDATA = (stack.top?.namespace ?? .html) != .html
        let index = stack.count
        guard element.hasEffects else {
            if let endTag { emit(endTag) }
            return
        }
        let effects = endEffects.removeLast()
        if effects.isRemoved {
            if dropDepth == index { dropDepth = -1 }
            emit(effects.after)
            return
        }
        if effects.isReplaced && dropDepth == index { dropDepth = -1 }
        emit(effects.suffix)
        if let endTag { emit(endTag) }
        emit(effects.after)
    }

    /// Ends the elements above `index` implicitly, then the one at `index` at `endTag`.
    mutating func close(through index: Int, endTag: UnsafeRawBufferPointer?) {
        while stack.count - 1 > index { closeTop(endTag: nil) }
        closeTop(endTag: endTag)
    }
}
