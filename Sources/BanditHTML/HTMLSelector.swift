/// A CSS selector that picks the elements an edit applies to: a comma-separated list of
/// compound selectors (`tag`, `*`, `#id`, `.class`, `[attr]`, `[attr=value]` and the `~=`,
/// `|=`, `^=`, `$=`, `*=` operators) joined by the descendant (space) or child (`>`) combinator.
public struct HTMLSelector: Sendable, Equatable, CustomStringConvertible {
    /// The selector as written.
    public let text: String
    /// The alternatives of the comma-separated list; an element matching any of them matches.
    let alternatives: [ComplexSelector]

    /// Parses `text`, or says what is wrong with it and where.
    public init(parsing text: String) throws(HTMLSelectorError) {
        self.text = text
        var parser = SelectorParser(text)
        self.alternatives = try parser.parseList()
    }

    /// The selector as written.
    public var description: String { text }
}

/// Why a selector could not be parsed, and where.
public struct HTMLSelectorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The selector that failed to parse.
    public let selector: String
    /// What is wrong, e.g. `expected a class name after "."`.
    public let reason: String
    /// Zero-based offset, in Unicode scalars, of the place where the problem was found.
    public let offset: Int

    /// Describes a problem found at `offset` of `selector`.
    public init(selector: String, reason: String, offset: Int) {
        self.selector = selector
        self.reason = reason
        self.offset = offset
    }

    /// The reason with its place, e.g. `expected a class name after "." at offset 2 of "a."`.
    public var description: String { "\(reason) at offset \(offset) of \"\(selector)\"" }
}

/// Compound selectors joined by combinators: `main > article h1`.
struct ComplexSelector: Sendable, Equatable {
    /// Left to right; the last one is the element the selector picks.
    var compounds: [CompoundSelector]
    /// `combinators[i]` joins `compounds[i]` and `compounds[i + 1]`.
    var combinators: [Combinator]
}

/// How two compound selectors relate.
enum Combinator: Sendable, Equatable {
    /// Whitespace: the right one is anywhere inside the left one.
    case descendant
    /// `>`: the right one is a direct child of the left one.
    case child
}

/// The conditions one element must meet all of: `a.cta[data-x=y]`.
struct CompoundSelector: Sendable, Equatable {
    /// Lowercased tag name; nil for `*` or no type selector.
    var tagName: String?
    var id: String?
    var classes: [String] = []
    var attributes: [AttributeSelector] = []
}

/// `[name]` or `[name op value]`.
struct AttributeSelector: Sendable, Equatable {
    /// Lowercased: HTML attribute names are case-insensitive.
    var name: String
    /// Nil for a bare `[name]`, which only asks that the attribute be present.
    var match: AttributeMatch?
}

/// How an attribute's value is compared, case-sensitively, with the selector's.
enum AttributeMatch: Sendable, Equatable {
    /// `=`: equal.
    case equals(String)
    /// `~=`: one of its whitespace-separated words.
    case containsWord(String)
    /// `|=`: equal, or starts with it followed by `-` (language codes).
    case equalsOrDashPrefix(String)
    /// `^=`: starts with it (never matches an empty selector value).
    case hasPrefix(String)
    /// `$=`: ends with it (never matches an empty selector value).
    case hasSuffix(String)
    /// `*=`: contains it (never matches an empty selector value).
    case contains(String)
}
