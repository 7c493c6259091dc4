/// Something to add to the counts once the upstream has answered.
public struct CountEvent: Sendable, Equatable {
    /// Which count an event adds to.
    public enum Kind: Sendable, Equatable {
        /// A session put on an arm; its view of the source page; its conversion on a goal.
        case assignment, view, conversion
        /// A view's session came back with its cookie.
        case confirmation
    }
    /// Which count this event adds to.
    public var kind: Kind
    /// Index into the engine's experiments.
    public var experiment: Int
    /// Index into the experiment's arms.
    public var arm: Int
    /// For a conversion on a goal with a `status`: the statuses that count it.
    public var statuses: ClosedRange<Int>?

    /// An event for arm `arm` of experiment `experiment` (both indices).
    public init(_ kind: Kind, experiment: Int, arm: Int, statuses: ClosedRange<Int>? = nil) {
        self.kind = kind
        self.experiment = experiment
        self.arm = arm
        self.statuses = statuses
    }

    /// Whether a response with this status counts the event (assignments always do).
    public func counts(status: Int) -> Bool {
        switch kind {
        case .assignment: true
        case .view, .confirmation: Decision.counts(status: status)
        case .conversion: statuses?.contains(status) ?? Decision.counts(status: status)
        }
    }
}

/// An arm a request carries, and the request header that names it to the upstream (nil
/// where the experiment injects a query parameter instead).
public struct ServedArm: Sendable {
    /// The experiment's name, as in `proxy.json` and the access log.
    public var experiment: String
    /// The arm's name: the value of the injected header or query parameter.
    public var arm: String
    /// The request header that names the arm to the upstream; nil with query injection.
    public var header: String?
    /// Where a policy picked the arm on this request: the probability it had (the propensity).
    public var propensity: Double?
    /// The arm by index, for its request counts (`ExperimentRuntime.requestStats`).
    public var reference: ArmReference?
}

extension ServedArm {
    /// An arm named to the upstream by a request header, for code outside the engine (tests,
    /// benchmarks). Not a public initialiser in the type: one there would replace the
    /// memberwise one, which the engine's hot path calls with three retains less per request.
    public static func header(_ name: String, arm: String, experiment: String) -> ServedArm {
        ServedArm(experiment: experiment, arm: arm, header: name)
    }
}

/// One arm of one experiment, by index.
public struct ArmReference: Sendable, Equatable {
    /// Index into the engine's experiments.
    public var experiment: Int
    /// Index into that experiment's arms.
    public var arm: Int
}

/// The engine's answer for one request: what to tell the upstream, what to count, which cookie to set.
public struct Decision: Sendable {
    /// The request target to send upstream when it differs from the client's (stripped or injected query).
    public var rewrittenURI: String?
    /// Headers to add (after removing every experiment header the client sent): the upstream
    /// head writes them from `served` directly, one array less per request than keeping both.
    public var headers: [(name: String, value: String)] {
        served.compactMap { served in served.header.map { ($0, served.arm) } }
    }
    /// Assignments made by this request: counted when the response is delivered, whatever its status.
    public var assignments: [CountEvent] = []
    /// Views and conversions: counted only if the upstream answers with a status below 400
    /// (a goal's own statuses for its conversions).
    public var pendingCounts: [CountEvent] = []
    /// For experiments with `segments` whose view or conversion this request counts: the
    /// session's value in each segment (kept apart from `CountEvent`, which stays plain values
    /// that arrays copy and free without reference counting).
    var segmentValues: [(experiment: Int, values: [String]?)] = []
    /// The session to remember when the counts are committed, and when they are not; nil
    /// where the cookie needs no change.
    var sessionIfCounted: SessionState?
    var sessionIfNotCounted: SessionState?
    var cookieWriter: SessionCookieWriter?
    /// The request matched an exclusion rule: proxied untouched.
    public var excluded = false
    /// The arms this request carries (for the injected headers, cache safety and access logs),
    /// with the propensity of each a policy picked on this request.
    public var served: [ServedArm] = []
    /// The arm whose `upstream` serves this request, when one does (`ArmVariant.upstream`).
    public var upstreamArm: ArmReference?
    /// The arms whose `html` edits apply to this response (the source page of each).
    public var htmlArms: [ArmReference] = []
    /// Experiments (by index) with click or submit goals that this session may still convert
    /// in: an HTML page gets the goal script, which reports those clicks and submissions.
    public var goalScriptExperiments: [Int] = []
    /// The visitor is sent here with a 302 instead of being proxied (an arm's `path` with
    /// `redirect`); the counts and cookie are those of the source page.
    public var redirectLocation: String?

    /// An empty decision (nothing to inject, count or set), for the engine to fill in.
    public init() {}

    /// Whether an HTML response may be edited: for an arm's `html`, or to add the goal script.
    public var mayEditPage: Bool { !htmlArms.isEmpty || !goalScriptExperiments.isEmpty }

    /// The `Set-Cookie` value for a response with this status, if the session changed.
    public func cookie(forStatus status: Int) -> String? {
        guard let cookieWriter else { return nil }
        guard Decision.counts(status: status) else { return sessionIfNotCounted.map(cookieWriter.setCookie) }
        guard let counted = sessionIfCounted else { return nil }
        // A conversion whose goal wants other statuses is not remembered either. (Checked
        // first: the optimiser copies `session.entries` before the loop, even for no change.)
        func isUncounted(_ event: CountEvent) -> Bool { event.kind == .conversion && !event.counts(status: status) }
        guard pendingCounts.contains(where: isUncounted) else { return cookieWriter.setCookie(counted) }
        var session = counted
        for event in pendingCounts where isUncounted(event) {
            let name = cookieWriter.experimentNames[event.experiment]
            if let index = session.entries.firstIndex(where: { $0.experiment == name }) {
                session.entries[index].converted = false
            }
        }
        return cookieWriter.setCookie(session)
    }

    /// Whether a response with this status commits the pending views.
    public static func counts(status: Int) -> Bool { status < 400 }
}

/// Encodes a session into a `Set-Cookie` value.
struct SessionCookieWriter: Sendable {
    let codec: SessionCodec
    let settings: SessionSettings
    let https: Bool
    /// Experiment names by index, to find a conversion's entry.
    let experimentNames: [String]

    /// Written in one String reserved for all of it, the value included (its pieces appended
    /// to a String one by one cost more than their bytes).
    func setCookie(_ session: SessionState) -> String {
        // "; Path=/; Max-Age=", a number of up to 19 digits, "; HttpOnly; SameSite=Lax", "; Secure"
        let attributesLength = 18 + 19 + 24 + 8
        let length = settings.cookie.utf8.count + 1 + codec.maximumLength(for: session) + attributesLength
        return String(unsafeUninitializedCapacity: length) { buffer in
            var cookie = UTF8Writer(buffer)
            cookie.append(settings.cookie)
            cookie.append(UInt8(ascii: "="))
            codec.encode(session, into: &cookie)
            cookie.append("; Path=/; Max-Age=" as StaticString)
            cookie.append(settings.maxAgeDays * 86_400)
            cookie.append("; HttpOnly; SameSite=Lax" as StaticString)
            if https { cookie.append("; Secure" as StaticString) }
            return cookie.count
        }
    }
}

extension Decision {
    /// The session's segment values this request counted for `experiment`, if any.
    func segmentValues(of experiment: Int) -> [String]? {
        segmentValues.first { $0.experiment == experiment }?.values ?? nil
    }
}
