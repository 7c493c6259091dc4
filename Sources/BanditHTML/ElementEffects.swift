/// What the edits matching one element do to it, combined as if applied one after another to
/// the page: `before` markup accumulates in order just before the element, `after` markup in
/// reverse order just after it; `prepend`s stack up at the start of the content, `append`s at
/// its end; a `text`/`html` replacement discards the content and whatever earlier edits put
/// in it; `remove` drops the element (markup put before or after it stays).
struct ElementEffects {
    var before: [UInt8] = []
    var after: [UInt8] = []
    var prefix: [UInt8] = []
    var suffix: [UInt8] = []
    var replacement: [UInt8]?
    var isRemoved = false
    /// Indices of the `setAttribute` edits, in edit order.
    var attributeEdits: [Int] = []

    /// Combines the edits `matched` (ascending, no repeats) for an element whose content is
    /// raw text or not.
    init(_ matched: [Int], actions: [PreparedAction], rawTextContent: Bool) {
        for edit in matched {
            let action = actions[edit]
            switch action.kind {
            case .before: before += action.bytes
            case .after: after = action.bytes + after
            case .prepend: prefix = action.bytes + prefix
            case .append: suffix += action.bytes
            case .replaceContent:
                replacement = rawTextContent ? action.rawText : action.bytes
                prefix = []
                suffix = []
            case .remove: isRemoved = true
            case .setAttribute: attributeEdits.append(edit)
            case .nothing: break
            }
        }
    }
}

/// What is left to do when an element with effects ends, kept on a stack beside the open elements.
struct EndEffects: Equatable {
    var suffix: [UInt8]
    var after: [UInt8]
    /// The element itself is being dropped, so its end tag is too.
    var isRemoved: Bool
    /// Its content is being dropped; its end tag is kept.
    var isReplaced: Bool
}
