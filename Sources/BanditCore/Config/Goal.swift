/// Where a conversion happens: a path, optionally only for one method and a range of
/// statuses, so that a submitted form counts and not just a visited page.
public struct Goal: Sendable, Equatable, CustomStringConvertible {
    /// The path whose request reaches the goal, exact or a prefix.
    public var path: PathPattern
    /// Upper-case method name (`POST`); nil for any method.
    public var method: String?
    /// The statuses that count (below 400); nil for any status below 400.
    public var statuses: ClosedRange<Int>?

    /// A goal reached by `path`; nil `method` or `statuses` accept any method or any status below 400.
    public init(path: PathPattern, method: String? = nil, statuses: ClosedRange<Int>? = nil) {
        self.path = path
        self.method = method
        self.statuses = statuses
    }

    /// `POST /signup 2xx`, or just the path.
    public var description: String {
        var text = path.description
        if let method { text = method + " " + text }
        if let statuses { text += " " + Goal.describe(statuses) }
        return text
    }

    /// `"2xx"` → 200...299, `"201"` → 201...201; nil for anything else.
    public static func parseStatus(_ text: String) -> ClosedRange<Int>? {
        let lower = text.lowercased()
        if lower.count == 3, lower.hasSuffix("xx"), let hundred = Int(lower.prefix(1)) {
            return hundred * 100...hundred * 100 + 99
        }
        if lower.count == 3, let code = Int(lower) { return code...code }
        return nil
    }

    static func describe(_ statuses: ClosedRange<Int>) -> String {
        statuses.count == 1 ? "\(statuses.lowerBound)" : "\(statuses.lowerBound / 100)xx"
    }

    /// Whether a request with this normalised path and method reaches the goal (the status
    /// is checked when the response arrives).
    func matches(normalisedPath: String, method requestMethod: String) -> Bool {
        path.matches(normalisedPath: normalisedPath) && (method == nil || method == requestMethod)
    }
}
