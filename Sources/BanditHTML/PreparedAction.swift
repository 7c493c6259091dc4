/// An edit's action with its bytes prepared once, when the rewriter is made.
struct PreparedAction {
    enum Kind {
        case replaceContent, setAttribute, remove, append, prepend, before, after
        /// An action with a problem (see `HTMLEditAction.problem`): matches, changes nothing.
        case nothing
    }

    var kind: Kind
    /// The markup to insert, the escaped text, or the escaped attribute value.
    var bytes: [UInt8] = []
    /// For `text`: the text unescaped, for raw-text elements (script, style…) whose content is not markup.
    var rawText: [UInt8] = []
    /// For `setAttribute`: the lowercase name.
    var attributeName: [UInt8] = []

    init(_ action: HTMLEditAction) {
        if action.problem != nil {
            kind = .nothing
            return
        }
        switch action {
        case .text(let text):
            kind = .replaceContent
            bytes = HTMLEscaping.escapeText(text)
            rawText = Array(text.utf8)
        case .html(let markup):
            kind = .replaceContent
            bytes = Array(markup.utf8)
            rawText = bytes
        case .setAttribute(let name, let value):
            kind = .setAttribute
            attributeName = name.utf8.map(ASCII.lowercased)
            bytes = HTMLEscaping.escapeDoubleQuotedAttribute(value)
        case .remove: kind = .remove
        case .append(let markup): (kind, bytes) = (.append, Array(markup.utf8))
        case .prepend(let markup): (kind, bytes) = (.prepend, Array(markup.utf8))
        case .before(let markup): (kind, bytes) = (.before, Array(markup.utf8))
        case .after(let markup): (kind, bytes) = (.after, Array(markup.utf8))
        }
    }
}
