/// The whole of `proxy.json`, decoded and validated.
///
/// Every value here has already passed validation (see `ConfigLoader`): code downstream
/// may rely on the invariants documented on each field.
public struct ProxyConfig: Sendable, Equatable {
    /// Address the proxy listens on, e.g. `127.0.0.1:8080`.
    public var listen: HostPort
    /// The site behind the proxy.
    public var upstream: UpstreamURL
    /// Where state is kept.
    public var storage: StorageLocation
    /// How often counts are written to storage, in milliseconds (≥ 10).
    public var flushIntervalMs: Int
    /// Token for `/__bandits`; nil means loopback clients only.
    public var adminToken: String?
    /// How long the proxy waits on the upstream and on clients (`timeouts`).
    public var timeouts: Timeouts
    /// The session cookie that remembers each visitor's arms: name, keys, lifetime (`session`).
    public var session: SessionSettings
    /// Requests outside every experiment: never assigned or counted (`exclude`).
    public var exclude: ExcludeRules
    /// The experiments, in the order of `proxy.json` (their `index`); names unique.
    public var experiments: [ExperimentConfig]
    /// Peers whose `X-Forwarded-For`, `-Proto` and `-Host` are believed (a TLS terminator, a
    /// load balancer); from anyone else those headers are replaced. Default: loopback.
    public var trustedProxies: [IPRange] = [IPRange("127.0.0.0/8")!, IPRange("::1")!]
    /// Request bodies larger than this get 413 (nil: no limit, bodies stream through).
    public var maxRequestBodyBytes: Int?
    /// At most this many upstream connections open at once (divided among the event loops);
    /// a request finding them all busy waits up to `timeouts.connectSeconds`, then gets 503.
    /// Nil: no limit.
    public var maxUpstreamConnections: Int?
    /// At most this many new sessions a minute per client address (resolved through
    /// `trustedProxies`) are counted; beyond it a session is served, assigned and remembered
    /// but its views and conversions are not counted. Nil (the default): every session counts,
    /// as many real visitors can share one address.
    public var newSessionsPerMinute: Int?
    /// Extra CA certificates (PEM) trusted for an https upstream, besides the system's.
    public var upstreamCAFile: String?
    /// One line per request on standard output; off by default.
    public var accessLog: AccessLogFormat = .off
    /// Which `Host` the upstream receives: the client's (default) or the upstream's own.
    public var hostHeader: HostHeader = .client
    /// Arm-dependent responses get `Cache-Control: private` and `Vary: Cookie`, so shared
    /// caches never serve one visitor's arm to another. Off for a CDN keyed by arm.
    public var cacheSafety = true

    /// Which `Host` header the upstream receives (`hostHeader`).
    public enum HostHeader: String, Sendable, Equatable {
        /// The client's `Host`, so the site builds links with its public name (nginx: `proxy_set_header Host $host`).
        case client
        /// `host[:port]` of `upstream`, for sites that route by their own name (virtual hosts).
        case upstream
    }

    /// A configuration with these values and every other setting at its default.
    public init(
        listen: HostPort = HostPort(host: "127.0.0.1", port: 8080),
        upstream: UpstreamURL,
        storage: StorageLocation = .memory,
        flushIntervalMs: Int = 1000,
        adminToken: String? = nil,
        timeouts: Timeouts = Timeouts(),
        session: SessionSettings = SessionSettings(),
        exclude: ExcludeRules = ExcludeRules(),
        experiments: [ExperimentConfig] = []
    ) {
        self.listen = listen
        self.upstream = upstream
        self.storage = storage
        self.flushIntervalMs = flushIntervalMs
        self.adminToken = adminToken
        self.timeouts = timeouts
        self.session = session
        self.exclude = exclude
        self.experiments = experiments
    }
}

/// An address to listen on: host and TCP port.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    /// A name or IP address; an IPv6 address without brackets.
    public var host: String
    /// TCP port, 0 to 65535.
    public var port: Int
    /// An address from its host (IPv6 without brackets) and port.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    /// `host:port`, an IPv6 host in brackets: `[::1]:8080`.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// `http://host:port` or `https://host:port`; the certificate of an https upstream is verified.
public struct UpstreamURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lowercase.
    public var scheme: String
    /// The name or IP address connected to; an IPv6 address without brackets.
    public var host: String
    /// TCP port, 1 to 65535 (80 or 443 when the URL gives none).
    public var port: Int
    /// An upstream origin from its parts; an IPv6 host without brackets.
    public init(scheme: String = "http", host: String, port: Int) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }
    /// The host as written in a URL or `Host` header: IPv6 addresses in brackets.
    private var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }
    /// The origin as a URL, e.g. `http://127.0.0.1:8000`; an IPv6 host in brackets.
    public var description: String { "\(scheme)://\(bracketedHost):\(port)" }
    /// The value for a `Host` header that names the upstream itself.
    public var hostHeader: String {
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? bracketedHost : "\(bracketedHost):\(port)"
    }
}

/// Where counts, experiment state and the generated session secret are kept (`storage`).
public enum StorageLocation: Sendable, Equatable {
    /// Nothing is kept across restarts.
    case memory
    /// An SQLite file (absolute path, already resolved against the config file's folder).
    case sqlite(path: String)
    /// A PostgreSQL URL, checked by `PostgresURL.parse`; several instances may share it.
    case postgres(url: String)
}

/// How long the proxy waits, in seconds, at most 86400 each (`timeouts`).
public struct Timeouts: Sendable, Equatable {
    /// Longest wait to connect to the upstream, or for a free connection under `maxUpstreamConnections`.
    public var connectSeconds: Double
    /// Longest wait for the upstream's response head; past it the client gets 504.
    public var responseSeconds: Double
    /// How long an idle upstream keep-alive connection is kept in the pool.
    public var idleSeconds: Double
    /// How long a client has to send a complete request head, from connecting or from the
    /// end of its previous response; then the connection is closed.
    public var clientIdleSeconds: Double
    /// On SIGTERM, how long in-flight requests may take to finish before their connections close.
    public var shutdownGraceSeconds: Double
    /// An upgraded connection (WebSocket) without traffic either way for this long is closed.
    public var tunnelIdleSeconds: Double = 300
    /// Timeouts in seconds, each at its default unless given; `tunnelIdleSeconds` is 300.
    public init(
        connectSeconds: Double = 5, responseSeconds: Double = 60, idleSeconds: Double = 60,
        clientIdleSeconds: Double = 60, shutdownGraceSeconds: Double = 10
    ) {
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.connectSeconds = connectSeconds
        self.responseSeconds = responseSeconds
        self.idleSeconds = idleSeconds
        self.clientIdleSeconds = clientIdleSeconds
    }
}

/// The session cookie that remembers each visitor's arms (`session`).
public struct SessionSettings: Sendable, Equatable {
    /// Name of the session cookie (a valid cookie-name token).
    public var cookie: String
    /// HMAC key; nil means "generate once and keep it in storage".
    public var secret: String?
    /// Keys a cookie may also be signed with, during a rotation: such a cookie is accepted
    /// and signed again with `secret`, so visitors keep their arms.
    public var previousSecrets: [String] = []
    /// Lifetime of the session cookie (its `Max-Age`), in days, 1 to 3650.
    public var maxAgeDays: Int
    /// A cookie whose presence marks a logged-in user (for `ignoreAuthenticated`).
    public var authCookie: String?
    /// Session settings as given, with no previous secrets.
    public init(
        cookie: String = "bandit_session", secret: String? = nil, maxAgeDays: Int = 30, authCookie: String? = nil
    ) {
        self.cookie = cookie
        self.secret = secret
        self.maxAgeDays = maxAgeDays
        self.authCookie = authCookie
    }
}

/// Requests no experiment sees (`exclude`): one matching any rule is proxied untouched.
public struct ExcludeRules: Sendable, Equatable {
    /// Path prefixes proxied untouched.
    public var paths: [String]
    /// Regular expression searched in the path.
    public var regex: String?
    /// Regular expression searched in the User-Agent.
    public var userAgents: String?
    /// Rules as given; by default none, which excludes nothing.
    public init(paths: [String] = [], regex: String? = nil, userAgents: String? = nil) {
        self.paths = paths
        self.regex = regex
        self.userAgents = userAgents
    }
}

/// One experiment of `proxy.json`: where it applies, its arms and goals, and how it decides.
public struct ExperimentConfig: Sendable, Equatable {
    /// `[A-Za-z0-9_-]+`, unique among experiments.
    public var name: String
    /// The page where sessions get their arm and their view is counted.
    public var source: PathPattern
    /// Where conversions happen (`target`: a path, or a list of paths and goals). With
    /// `elementGoals`, never both empty.
    public var goals: [Goal]
    /// Clicks and form submissions that convert (`{"click": "a.cta"}`), reported by the goal
    /// script the proxy adds to the pages of the experiment's sessions.
    public var elementGoals: [ElementGoal] = []
    /// Two or more unique names, each `[A-Za-z0-9_.-]+`. A change of their number resets
    /// `armVariants` to plain ones, so that the two always have one entry per arm.
    public var arms: [String] {
        didSet { if armVariants.count != arms.count { armVariants = arms.map { _ in .plain } } }
    }
    /// What each arm does besides naming itself (a path, a redirect, another upstream), one
    /// per arm.
    public var armVariants: [ArmVariant]
    /// The policy that gives new sessions their arm, with its parameters.
    public var algorithm: Algorithm
    /// How the arm reaches the upstream.
    public var injection: Injection
    /// Views (all arms together) before a winner may be declared.
    public var minViews: Int
    /// Error rate of the winner rule, in (0, 0.5].
    public var significance: Double
    /// Sessions carrying the `session.authCookie` cookie are never counted.
    public var ignoreAuthenticated: Bool
    /// The share of new sessions that enter the experiment, in (0, 1]; the others are served
    /// the first arm and never counted.
    public var coverage: Double = 1
    /// The planned split of a uniform experiment, one share per arm, summing to 1; nil: equal.
    public var weights: [Double]?
    /// For bandit policies: the least share of new sessions each arm keeps, one per arm,
    /// summing to at most 1; nil: no floor.
    public var minShares: [Double]?
    /// The smallest difference worth detecting: the winner rule is tuned to it, and arms
    /// shown to differ by less end the experiment with "no meaningful difference".
    public var minDetectableEffect: MinimumDetectableEffect = .standard
    /// A conversion counts only this many seconds after the session's view; nil: any time.
    public var attributionWindowSeconds: Int?
    /// Which views the policy and the winner rule go by.
    public var countViews: ViewCounting = .all
    /// Bumping it starts a new version: everyone is re-randomised, the old counts go to the
    /// history. Weights, floors and coverage may change without it.
    public var version = 1
    /// How the results are split besides the totals (`segments`), in the configured order.
    public var segments: [Segment] = []
    /// The limits past which an arm stops itself (`guardrails`); nil: none. Per-arm request
    /// counts are kept and shown either way.
    public var guardrails: GuardrailConfig?

    /// The first path goal's path; nil when every goal is a click or a submission.
    public var target: PathPattern? { goals.first?.path }

    /// Every goal in words, path goals first: `/contact`, `POST /signup 2xx`, `click a.cta`.
    public var goalDescriptions: [String] { goals.map(\.description) + elementGoals.map(\.description) }

    /// An experiment with one path goal, `target`, and the rest at defaults (header `X-Bandit-<name>`).
    public init(
        name: String,
        source: PathPattern,
        target: PathPattern,
        arms: [String] = ["off", "on"],
        algorithm: Algorithm = .thompson,
        injection: Injection? = nil,
        minViews: Int = 100,
        significance: Double = 0.05,
        ignoreAuthenticated: Bool = false
    ) {
        self.name = name
        self.source = source
        self.goals = [Goal(path: target)]
        self.arms = arms
        self.armVariants = arms.map { _ in .plain }
        self.algorithm = algorithm
        self.injection = injection ?? .header("X-Bandit-\(name)")
        self.minViews = minViews
        self.significance = significance
        self.ignoreAuthenticated = ignoreAuthenticated
    }

    /// The share of new sessions each arm is planned to get when every arm is equally good:
    /// the weights, else equal shares.
    public var plannedShares: [Double] {
        weights ?? Array(repeating: 1 / Double(arms.count), count: arms.count)
    }
}

/// Views of sessions that never come back with their cookie are crawlers, mostly (real
/// browsers fetch the next page, or at least `/favicon.ico`).
public enum ViewCounting: String, Sendable, Equatable {
    /// Every view counts; confirmed ones are shown beside.
    case all
    /// Only views whose session came back with its cookie count for the policy and winner.
    case confirmed
}

/// How the upstream learns the arm of a request.
public enum Injection: Sendable, Equatable {
    /// A request header of this name, set to the arm's name (the client's own copies removed).
    case header(String)
    /// A query parameter of this name added to the request target, set to the arm's name.
    case query(String)
}

/// The bandit policy and its parameters.
public enum Algorithm: Sendable, Equatable {
    /// Thompson sampling: each arm served with its posterior probability of being the best.
    case thompson
    /// Top-two Thompson sampling (Russo 2016): with probability `beta` the Thompson pick,
    /// else the best of a redraw that differs. It keeps measuring the runner-up, so a winner
    /// can be declared; plain Thompson starves the losers and rarely reaches a decision.
    case topTwoThompson(beta: Double)
    /// Explore uniformly with probability `epsilon`, else exploit the best observed rate.
    case epsilonGreedy(epsilon: Double)
    /// Explore with probability `1 / (1 + views / k)`, as django-bandits does.
    case epsilonDecay(k: Double)
    /// UCB1 with exploration constant `c`.
    case ucb1(c: Double)
    /// Every arm an equal share, or the planned `weights`: a classic A/B/n test.
    case uniform

    /// The name used in `proxy.json` and the API.
    public var name: String {
        switch self {
        case .thompson: "thompson"
        case .topTwoThompson: "top-two-thompson"
        case .epsilonGreedy: "epsilon-greedy"
        case .epsilonDecay: "epsilon-decay"
        case .ucb1: "ucb1"
        case .uniform: "uniform"
        }
    }
}

/// How the access log is written.
public enum AccessLogFormat: String, Sendable, Equatable {
    /// No access log.
    case off
    /// `client - - [time] "METHOD uri" status bytes seconds upstream-seconds experiment=arm,…`
    case text
    /// One JSON object per line.
    case json
}
