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

    public init(path: String? = nil, redirect: Bool = false, upstream: UpstreamURL? = nil) {
        self.path = path
        self.redirect = redirect
        self.upstream = upstream
    }

    /// The arm only names itself to the site.
    public static let plain = ArmVariant()
}
