public import BanditHTML

/// A conversion the visitor makes on the page itself, with no code in the site: a click on an
/// element or the submission of a form that a selector matches (`{"click": "a.cta"}`,
/// `{"submit": "form#signup"}`). The proxy adds a small script to the pages of the sessions in
/// the experiment that reports it with the conversion beacon.
public struct ElementGoal: Sendable, Equatable, CustomStringConvertible {
    /// What the visitor does to a matching element to convert.
    public enum Event: String, Sendable, Equatable, CaseIterable {
        /// A click on a matching element or on anything inside it.
        case click
        /// The submission of a matching form.
        case submit
    }

    /// Whether a click or a form submission converts.
    public var event: Event
    /// Checked by the same parser as `html` edits; the browser matches it with `closest()`,
    /// which understands every selector that parser accepts.
    public var selector: HTMLSelector

    /// A goal reached when the visitor does `event` to an element `selector` matches.
    public init(_ event: Event, _ selector: HTMLSelector) {
        self.event = event
        self.selector = selector
    }

    /// `click a.cta`.
    public var description: String { "\(event.rawValue) \(selector.text)" }
}
