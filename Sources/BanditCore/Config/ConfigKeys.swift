/// The keys `proxy.json` accepts, object by object, in the order an "unknown key" error lists
/// them. The readers refuse any other key; docs/CONFIGURATION.md documents every one of them
/// (`ConfigurationDocsTests` fails when it does not).
enum ConfigKeys {
    static let root = [
        "listen", "upstream", "storage", "flushIntervalMs", "adminToken", "timeouts", "session", "exclude",
        "experiments", "trustedProxies", "hostHeader", "limits", "accessLog", "upstreamTLS",
        "cacheSafety",
    ]
    static let timeouts = [
        "connectSeconds", "responseSeconds", "idleSeconds", "clientIdleSeconds", "shutdownGraceSeconds",
        "tunnelIdleSeconds",
    ]
    static let session = ["cookie", "secret", "previousSecrets", "maxAgeDays", "authCookie"]
    static let exclude = ["paths", "regex", "userAgents"]
    static let limits = ["maxBodyBytes", "maxUpstreamConnections", "newSessionsPerMinute"]
    static let upstreamTLS = ["caFile"]
    /// One element of `experiments`.
    static let experiment = [
        "name", "source", "target", "arms", "algorithm", "epsilon", "k", "c", "beta", "header", "query", "minViews",
        "significance", "ignoreAuthenticated", "coverage", "weights", "minShare", "attributionWindow",
        "countViews", "version", "minDetectableEffect", "segments", "guardrails",
    ]
    /// An experiment's `guardrails`: the limits past which an arm stops itself.
    static let guardrails = ["maxErrorRate", "slowMs", "maxSlowRate", "minRequests", "significance"]
    /// An arm object in an experiment's `arms` (an arm may also be a plain name).
    static let arm = ["name", "path", "redirect", "upstream", "html"]
    /// One edit in an arm's `html`: a selector and one action.
    static let htmlEdit = ["selector"] + htmlActions + ["value"]
    /// The actions of an edit, one of which each edit names.
    static let htmlActions = ["text", "html", "attribute", "remove", "append", "prepend", "before", "after"]
    /// A goal object in an experiment's `target` (alone, or in a list): a path with its method
    /// and status, or a click or submit on the page.
    static let goal = ["path", "method", "status", "click", "submit"]

    /// Each object with the path its keys are written under: `timeouts.connectSeconds`,
    /// `experiments[].name`, `experiments[].arms[].path` (the root's keys bare).
    static let sections: [(path: String, keys: [String])] = [
        ("", root), ("timeouts", timeouts), ("session", session), ("exclude", exclude), ("limits", limits),
        ("upstreamTLS", upstreamTLS), ("experiments[]", experiment), ("experiments[].guardrails", guardrails),
        ("experiments[].arms[]", arm),
        ("experiments[].arms[].html[]", htmlEdit),
        ("experiments[].target[]", goal),
    ]
}
