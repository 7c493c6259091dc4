public import BanditHTML

/// What an arm does besides being named to the site: the experiments that need no code in
/// the site (`"arms": [{"name": …, "path": …, "upstream": …}]`). A plain string arm is a
/// variant that does nothing more.
public struct ArmVariant: Sendable, Equatable {
    /// The source page is fetched from this path instead (the query string kept), or, with
    /// `redirect`, the visitor is sent there with a 302.
    public var path: String?
    /// Send the visitor to `path` instead of fetching it in place.
    public var redirect = false
    /// Every request of a session on this arm goes to this upstream instead of the main one.
    public var upstream: UpstreamURL?
    /// Edits applied to the source page's HTML as it streams to the arm's sessions.
    public var html: [HTMLEdit]

    /// A variant that does what the arguments say; with no arguments, `plain`.
    public init(path: String? = nil, redirect: Bool = false, upstream: UpstreamURL? = nil, html: [HTMLEdit] = []) {
        self.path = path
        self.redirect = redirect
        self.upstream = upstream
        self.html = html
    }

    /// The arm only names itself to the site.
    public static let plain = ArmVariant()

    /// Whether the arm does nothing but name itself (checked for every arm served).
    public var isPlain: Bool { path == nil && upstream == nil && html.isEmpty }
}

extension HTMLEditAction {
    /// The action's key in `proxy.json` (`text`, `attribute`, `remove`, …), for reports.
    public var name: String {
        switch self {
        case .text: "text"
        case .html: "html"
        case .setAttribute(let name, _): "attribute \(name)"
        case .remove: "remove"
        case .append: "append"
        case .prepend: "prepend"
        case .before: "before"
        case .after: "after"
        }
    }
}
