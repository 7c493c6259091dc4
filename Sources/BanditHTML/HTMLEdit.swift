/// What an edit does to each element its selector matches.
public enum HTMLEditAction: Sendable, Equatable {
    /// Replaces the element's content with this text, HTML-escaped (inserted as is inside
    /// `script`, `style` and the other raw-text elements, whose content is not markup).
    case text(String)
    /// Replaces the element's content with this markup.
    case html(String)
    /// Sets one attribute, adding it or replacing the value of the one already there.
    case setAttribute(name: String, value: String)
    /// Drops the element and its content.
    case remove
    /// Inserts markup at the end of the element's content.
    case append(String)
    /// Inserts markup at the start of the element's content.
    case prepend(String)
    /// Inserts markup just before the element.
    case before(String)
    /// Inserts markup just after the element.
    case after(String)

    /// Why this action cannot be applied (an attribute name HTML cannot hold), or nil when it can;
    /// an action with a problem changes nothing.
    public var problem: String? {
        guard case .setAttribute(let name, _) = self else { return nil }
        if name.isEmpty { return "the attribute name is empty" }
        for scalar in name.unicodeScalars {
            switch scalar {
            case " ", "\t", "\n", "\r", "\u{0C}", "\"", "'", ">", "/", "=", "<", "\0":
                return "the attribute name \"\(name)\" contains \"\(scalar.escaped(asASCII: true))\""
            default: continue
            }
        }
        return nil
    }
}

/// One change to the page: an action applied to every element a selector matches.
public struct HTMLEdit: Sendable, Equatable {
    /// Which elements to change.
    public var selector: HTMLSelector
    /// What to do to each of them.
    public var action: HTMLEditAction

    /// An edit applying `action` to the elements `selector` matches.
    public init(selector: HTMLSelector, action: HTMLEditAction) {
        self.selector = selector
        self.action = action
    }
}
