/// One attribute of the current tag, as offsets into the tag's bytes (from its `<`).
struct AttributeSpan: Equatable {
    var nameStart: Int
    var nameEnd: Int
    /// Inside the quotes, if any; both `nameEnd` when there is no value.
    var valueStart: Int
    var valueEnd: Int
    /// Just after the value and its closing quote; `nameEnd` when there is no value.
    var end: Int
}

/// How the bytes after a start tag are to be read, which only the tree builder knows.
enum ContentModel {
    /// Markup.
    case data
    /// Text up to the element's end tag: style, textarea, title, xmp, iframe, noembed, noframes, noscript.
    case rawText
    /// A script's text, whose `<!--` … `<script>` escapes hide a `</script>` from the end tag search.
    case scriptData
    /// Text up to the end of the page.
    case plaintext
}

/// What `HTMLTokenizer.next` found.
enum TokenizerEvent {
    /// A complete start or end tag ends at `end`; its bytes are the held bytes, if any, or the
    /// chunk's from `tagStart`.
    case tag(end: Int)
    /// A tag too long to hold, already passed through, ended at `end`.
    case passedTagEnded(end: Int)
    /// Character data that is not whitespace starts at this index (only while `reportsText`).
    case text(at: Int)
    /// The held bytes from earlier chunks turned out not to start a tag: they pass through
    /// ahead of the chunk, then `discardHeld()`. `isText`: they are character data.
    case heldBytesReleased(isText: Bool)
    /// The whole chunk is read; bytes from `passEnd` on begin a tag and are now held.
    case endOfChunk(passEnd: Int)
}

/// The WHATWG tokenizer, as far as a rewriter needs it, fed chunk by chunk. Everything but tags
/// (text, comments, doctypes, CDATA, raw text) passes through without being held; a tag, or a
/// `<` that may start one, is held across chunks until it ends so the rewriter sees it whole.
/// State survives between chunks, so a token may be split at any byte.
struct HTMLTokenizer {
    enum State: UInt8 {
        case data, plaintext, tagOpen, endTagOpen, tagName
        case beforeAttributeName, attributeName, afterAttributeName, beforeAttributeValue
        case attributeValueDoubleQuoted, attributeValueSingleQuoted, attributeValueUnquoted
        case afterAttributeValueQuoted, selfClosingStartTag
        case markupDeclarationOpen, markupDeclarationDash, markupDeclarationCDATA
        case commentStart, commentStartDash, comment, commentEndDash, commentEnd, commentEndBang
        case bogusComment, cdataSection, cdataSectionBracket, cdataSectionEnd
        case rawText, rawTextLessThan, rawTextEndTagOpen, rawTextEndTagName
        case scriptData, scriptDataLessThan, scriptDataEscapeStart, scriptDataEscapeStartDash
        case scriptDataEscaped, scriptDataEscapedDash, scriptDataEscapedDashDash, scriptDataEscapedLessThan
        case scriptDataDoubleEscapeStart, scriptDataDoubleEscaped, scriptDataDoubleEscapedDash
        case scriptDataDoubleEscapedDashDash, scriptDataDoubleEscapedLessThan, scriptDataDoubleEscapeEnd
    }

    /// A held tag longer than this stops being held: it passes through and matches nothing,
    /// so memory stays bounded whatever the page.
    static let longestHeldTag = 1 << 20
    /// Attributes past this many in one tag are not recorded (browsers use the first of duplicates).
    static let mostAttributes = 1024

    var state = State.data
    /// Where a candidate end tag in raw text goes back to when it is not the end tag.
    var returnState = State.rawText
    /// How much of an expected name (`[CDATA[`, the raw-text element's, `script`) has matched.
    var progress = 0
    var mismatched = false
    /// The lowercase name of the element whose raw text is being read.
    var rawTextEndTagName: [UInt8] = []
    /// `<![CDATA[` starts a CDATA section (in SVG and MathML) rather than a bogus comment.
    var allowsCDATA = false
    /// Report the first non-whitespace character data, which ends `head` when it is implicit.
    var reportsText = false
    /// How much of a UTF-8 byte order mark the page has begun with; -1 once anything else came.
    private var byteOrderMarkSeen = 0
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Bytes from the current token's start are held back, not yet passed through.
    private(set) var isHolding = false
    /// The chunk index of the current token's first byte: negative when it began in an earlier chunk.
    var tokenOrigin = 0
    /// The current token's bytes from earlier chunks.
    private(set) var held: [UInt8] = []
    /// The current tag grew too long to hold and is passing through.
    var isPassingTagThrough = false
    private var contentModelAfterPassedTag: ContentModel?

    var isEndTag = false
    var isSelfClosing = false
    /// The tag's name is its bytes from 1 (2 for an end tag) up to this offset.
    var nameEnd = 0
    /// The current tag's attributes are the first `attributeCount` (the rest are stale, kept
    /// to reuse their storage).
    var attributes: [AttributeSpan] = []
    var attributeCount = 0
    var attribute = AttributeSpan(nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0, end: 0)

    /// Where the current tag starts in the chunk (0 when it began in an earlier one).
    var tagStart: Int { max(tokenOrigin, 0) }

    /// Tokenizes from `index` until something the rewriter must act on, leaving `index` after it.
    mutating func next(in chunk: UnsafeRawBufferPointer, at index: inout Int) -> TokenizerEvent {
        let end = chunk.count
        guard let base = chunk.baseAddress, index < end else { return endOfChunk(chunk, at: &index) }
        var i = index
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }

        while i < end {
            let c = byte(i)
            switch state {
            case .data:
                if reportsText {
                    var j = i
                    while j < end {
                        let b = byte(j)
                        if b == UInt8(ascii: "<") { break }
                        if byteOrderMarkSeen >= 0 && b == Self.byteOrderMark[byteOrderMarkSeen] {
                            // A byte order mark is not text; browsers drop it when decoding.
                            byteOrderMarkSeen = byteOrderMarkSeen == 2 ? -1 : byteOrderMarkSeen + 1
                            j += 1
                            continue
                        }
                        byteOrderMarkSeen = -1
                        if !ASCII.isWhitespace(b) {
                            index = j + 1
                            return .text(at: j)
                        }
                        j += 1
                    }
                    i = j
                } else {
                    i = ByteSearch.firstIndex(of: UInt8(ascii: "<"), in: base, from: i, to: end)
                }
                if i < end {
                    beginToken(at: i)
                    i += 1
                    // Most `<` start a tag whose end is in the chunk: read it here, in one go.
                    if i < end && ASCII.isLetter(byte(i)) {
                        isEndTag = false
                        state = .tagName
                        i += 1
                        if let tagEnd = scanTag(base, &i, end) {
                            index = tagEnd
                            return completeTag(chunk, end: tagEnd)
                        }
                    } else {
                        state = .tagOpen
                    }
                }
            case .plaintext:
                i = end
            case .tagOpen:
                if ASCII.isLetter(c) {
                    isEndTag = false
                    state = .tagName
                    i += 1
                } else if c == UInt8(ascii: "/") {
                    state = .endTagOpen
                    i += 1
                } else if c == UInt8(ascii: "!") || c == UInt8(ascii: "?") {
                    // `<?` is a bogus comment; `<!` a comment, doctype, CDATA or bogus comment.
                    state = c == UInt8(ascii: "!") ? .markupDeclarationOpen : .bogusComment
                    i += 1
                    if let event = release(isText: false) {
                        index = i
                        return event
                    }
                } else {
                    state = .data
                    if let event = release(isText: true) {
                        index = i
                        return event
                    }
                }
            case .endTagOpen:
                if ASCII.isLetter(c) {
                    isEndTag = true
                    state = .tagName
                    i += 1
                } else {
                    // `</>` is dropped by browsers; `</` + anything else is a bogus comment.
                    if c == UInt8(ascii: ">") {
                        state = .data
                        i += 1
                    } else {
                        state = .bogusComment
                    }
                    if let event = release(isText: false) {
                        index = i
                        return event
                    }
                }
            case .tagName, .beforeAttributeName, .attributeName, .afterAttributeName, .beforeAttributeValue,
                .attributeValueDoubleQuoted, .attributeValueSingleQuoted, .attributeValueUnquoted,
                .afterAttributeValueQuoted, .selfClosingStartTag:
                if let tagEnd = scanTag(base, &i, end) {
                    index = tagEnd
                    return completeTag(chunk, end: tagEnd)
                }

            case .markupDeclarationOpen, .markupDeclarationDash, .markupDeclarationCDATA, .commentStart,
                .commentStartDash, .comment, .commentEndDash, .commentEnd, .commentEndBang, .bogusComment,
                .cdataSection, .cdataSectionBracket, .cdataSectionEnd:
                skipMarkupDeclaration(base, &i, end)
            case .rawText, .rawTextLessThan, .rawTextEndTagOpen, .rawTextEndTagName, .scriptData,
                .scriptDataLessThan, .scriptDataEscapeStart, .scriptDataEscapeStartDash, .scriptDataEscaped,
                .scriptDataEscapedDash, .scriptDataEscapedDashDash, .scriptDataEscapedLessThan,
                .scriptDataDoubleEscapeStart, .scriptDataDoubleEscaped, .scriptDataDoubleEscapedDash,
                .scriptDataDoubleEscapedDashDash, .scriptDataDoubleEscapedLessThan, .scriptDataDoubleEscapeEnd:
                if let event = scanRawText(chunk, base, &i, end) {
                    index = i
                    return event
                }
            }
        }
        index = i
        return endOfChunk(chunk, at: &index)
    }

    /// After a start tag, reads what follows as `model`; `name` is the element's (for its end tag).
    mutating func read(_ model: ContentModel, endTagName name: UnsafeRawBufferPointer) {
        if model == .rawText || model == .scriptData {
            rawTextEndTagName.removeAll(keepingCapacity: true)
            for byte in name { rawTextEndTagName.append(ASCII.lowercased(byte)) }
        }
        if isPassingTagThrough {
            contentModelAfterPassedTag = model
        } else {
            enter(model)
        }
    }

    private mutating func enter(_ model: ContentModel) {
        switch model {
        case .data: state = .data
        case .rawText: state = .rawText
        case .scriptData: state = .scriptData
        case .plaintext: state = .plaintext
        }
    }

    /// Forgets the held bytes, once the rewriter has used them.
    mutating func discardHeld() {
        if held.isEmpty { return }
        if held.count > 1 << 16 {
            held = []
        } else {
            held.removeAll(keepingCapacity: true)
        }
    }

    /// Whether the held tag is too long to keep holding (then it is to pass through as it comes,
    /// see `passTagThrough`). A name cut by the limit ends there.
    mutating func holdsTooLongATag() -> Bool {
        guard isHolding && held.count > Self.longestHeldTag else { return false }
        if state == .tagName { nameEnd = held.count }
        return true
    }

    /// Stops holding the current tag: the rest of it passes through as it comes. The rewriter
    /// then handles the held part as the whole tag and discards it.
    mutating func passTagThrough() {
        isHolding = false
        isPassingTagThrough = true
        contentModelAfterPassedTag = nil
    }

    /// At the end of the input: a tag or `<` cut short by it is not a tag (browsers drop it; we
    /// pass it through unchanged). Returns whether the held bytes are such a remnant.
    mutating func finish() -> Bool {
        let remnant = isHolding && !held.isEmpty
        isHolding = false
        return remnant
    }

    @inline(__always)
    mutating func beginToken(at index: Int) {
        byteOrderMarkSeen = -1
        isHolding = true
        tokenOrigin = index
        isSelfClosing = false
        attributeCount = 0
    }

    /// The held bytes are not a tag after all: they pass through.
    @inline(__always)
    mutating func release(isText: Bool) -> TokenizerEvent? {
        isHolding = false
        if !held.isEmpty { return .heldBytesReleased(isText: isText) }
        if isText && reportsText { return .text(at: tokenOrigin) }
        return nil
    }

    mutating func completeTag(_ chunk: UnsafeRawBufferPointer, end: Int) -> TokenizerEvent {
        state = .data
        if isPassingTagThrough {
            isPassingTagThrough = false
            if let model = contentModelAfterPassedTag {
                contentModelAfterPassedTag = nil
                enter(model)
            }
            return .passedTagEnded(end: end)
        }
        isHolding = false
        if !held.isEmpty { held.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<end])) }
        return .tag(end: end)
    }

    private mutating func endOfChunk(_ chunk: UnsafeRawBufferPointer, at index: inout Int) -> TokenizerEvent {
        index = chunk.count
        guard isHolding else { return .endOfChunk(passEnd: chunk.count) }
        let start = max(tokenOrigin, 0)
        held.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start...]))
        tokenOrigin = -held.count
        return .endOfChunk(passEnd: start)
    }
}

extension HTMLTokenizer: Equatable {
    /// Equal in everything that decides how the rest of the page is read, between two chunks.
    /// Offsets into the last chunk (`tokenOrigin` when nothing is held) and the spans of
    /// attributes past the current tag's (kept only for their storage) do not count. A tag
    /// passing through (over `longestHeldTag`) never compares equal.
    static func == (a: HTMLTokenizer, b: HTMLTokenizer) -> Bool {
        guard !a.isPassingTagThrough && !b.isPassingTagThrough else { return false }
        guard a.isHolding == b.isHolding, !a.isHolding || a.tokenOrigin == b.tokenOrigin else { return false }
        guard a.attributeCount == b.attributeCount,
            a.attributes.prefix(a.attributeCount).elementsEqual(b.attributes.prefix(b.attributeCount))
        else { return false }
        return a.state == b.state && a.returnState == b.returnState && a.progress == b.progress
            && a.mismatched == b.mismatched && a.rawTextEndTagName == b.rawTextEndTagName
            && a.allowsCDATA == b.allowsCDATA && a.reportsText == b.reportsText
            && a.byteOrderMarkSeen == b.byteOrderMarkSeen && a.held == b.held
            && a.contentModelAfterPassedTag == b.contentModelAfterPassedTag && a.isEndTag == b.isEndTag
            && a.isSelfClosing == b.isSelfClosing && a.nameEnd == b.nameEnd && a.attribute == b.attribute
    }
}
