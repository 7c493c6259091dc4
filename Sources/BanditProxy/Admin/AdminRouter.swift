import BanditCore
import BanditStore
import Foundation

/// A request to `/__bandits`, as plain values.
struct AdminRequest: Sendable {
    var method: String
    var uri: String
    var headers: [(name: String, value: String)]
    /// Nil when the body exceeded `AdminRouter.maxBodyBytes`.
    var body: [UInt8]?
    var clientIsLoopback: Bool
    /// Reached over HTTPS (as a trusted proxy says): cookies set here get `Secure`.
    var isHTTPS = false

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

struct AdminResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    static func json(_ status: Int, _ value: some Encodable) -> AdminResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)).map { Array($0) + [10] } ?? Array("{}".utf8)
        return AdminResponse(
            status: status, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")], body: body)
    }

    static func error(_ status: Int, _ message: String, headers: [(name: String, value: String)] = []) -> AdminResponse
    {
        var response = json(status, ["error": message])
        response.headers += headers
        return response
    }

    static func html(_ page: String) -> AdminResponse {
        AdminResponse(
            status: 200, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")],
            body: Array(page.utf8))
    }
}

/// The `/__bandits` routes: dashboard, detail pages, JSON API, CSV export, admin actions,
/// metrics, health.
struct AdminRouter: Sendable {
    static let prefix = "/__bandits"
    static let maxBodyBytes = 64 * 1024

    let engine: ExperimentEngine
    let keeper: StateKeeper
    let adminToken: String?
    let metrics: ProxyMetrics
    /// The script behind click and submit goals, for this configuration.
    let goalScript: GoalScript

    init(engine: ExperimentEngine, keeper: StateKeeper, adminToken: String?, metrics: ProxyMetrics = ProxyMetrics()) {
        self.engine = engine
        goalScript = GoalScript(experiments: engine.experiments)
        self.keeper = keeper
        self.adminToken = adminToken
        self.metrics = metrics
    }

    static func handles(uri: String) -> Bool {
        guard uri.hasPrefix(prefix) else { return false }
        let rest = uri.dropFirst(prefix.count)
        return rest.isEmpty || rest.first == "/" || rest.first == "?"
    }

    func handle(_ request: AdminRequest) async -> AdminResponse {
        let path = PathPattern.normalise(Substring(request.uri))
        let segments = path.dropFirst(AdminRouter.prefix.count).split(separator: "/").map(String.init)

        if segments == ["health"] { return health() }
        // Visitors' pages call the beacon: it needs their session, not the admin token.
        if segments == ["convert"] { return ConversionBeacon.handle(request, engine: engine) }
        if segments.count == 2, segments[0] == "goals" {
            guard request.method == "GET" || request.method == "HEAD" else { return AdminRouter.getOnly }
            return goalScript.response(for: segments[1])
        }
        if let denied = authorize(request) { return denied }
        if let refused = AdminRouter.refuseCrossSite(request) { return refused }
        let reads = request.method == "GET" || request.method == "HEAD"

        switch (request.method, segments.first, segments.count) {
        case ("GET", nil, _), ("HEAD", nil, _):
            var entries: [Dashboard.Entry] = []
            for experiment in engine.experiments { entries.append(await entry(experiment)) }
            return .html(Dashboard.render(entries))
        case (_, "experiments", 2):
            guard reads else { return AdminRouter.getOnly }
            guard let experiment = engine.experiment(named: segments[1]) else { return unknownPage(segments[1]) }
            var detail = await entry(experiment)
            if experiment.segmentCounts != nil { detail.segments = SegmentReport(experiment) }
            return .html(DetailPage.render(detail))
        case (_, "metrics", 1):
            guard reads else { return AdminRouter.getOnly }
            return AdminResponse(
                status: 200, headers: [("Content-Type", PrometheusText.contentType), ("Cache-Control", "no-store")],
                body: Array(metrics.render(engine: engine).utf8))
        case ("GET", "api", 2) where segments[1] == "experiments":
            var reports: [ExperimentReport] = []
            for experiment in engine.experiments { reports.append(await entry(experiment).report) }
            return .json(200, ["experiments": reports])
        case ("GET", "api", 3) where segments[1] == "experiments":
            guard let experiment = engine.experiment(named: segments[2]) else { return unknown(segments[2]) }
            return .json(200, await entry(experiment).report)
        case (_, "api", 4) where segments[1] == "experiments" && segments[3] == "series.csv":
            guard let experiment = engine.experiment(named: segments[2]) else { return unknown(segments[2]) }
            guard reads else { return AdminRouter.getOnly }
            return await seriesCSV(experiment)
        case (_, "api", 4) where segments[1] == "experiments" && segments[3] == "history":
            guard let experiment = engine.experiment(named: segments[2]) else { return unknown(segments[2]) }
            guard reads else { return AdminRouter.getOnly }
            do {
                let versions = try await keeper.history(experiment)
                return .json(200, HistoryBody(experiment: experiment.name, versions: versions))
            } catch {
                return .error(503, "the history could not be read from storage: \(error)")
            }
        case (_, "api", 4) where segments[1] == "experiments" && segments[3] == "segments":
            guard let experiment = engine.experiment(named: segments[2]) else { return unknown(segments[2]) }
            guard reads else { return AdminRouter.getOnly }
            return .json(200, SegmentReport(experiment))
        case (let method, "api", 6) where segments[1] == "experiments" && segments[3] == "arms":
            guard let experiment = engine.experiment(named: segments[2]) else { return unknown(segments[2]) }
            guard method == "POST" else {
                return .error(405, "use POST for \(segments[5])", headers: [("Allow", "POST")])
            }
            return await act(segments[5], onArm: segments[4], of: experiment)
        case (let method, "api", 4) where segments[1] == "experiments":
            guard let experiment = engine.experiment(named: segments[2]) else { return unknown(segments[2]) }
            guard method == "POST" else {
                return .error(405, "use POST for \(segments[3])", headers: [("Allow", "POST")])
            }
            return await act(segments[3], on: experiment, body: request.body)
        default:
            return .error(404, "no such route: \(request.method) \(path)")
        }
    }

    private static let getOnly = AdminResponse.error(405, "use GET", headers: [("Allow", "GET, HEAD")])

    /// The report (with its warnings) and hourly series of one experiment.
    private func entry(_ experiment: ExperimentRuntime) async -> Dashboard.Entry {
        var report = ExperimentReport(experiment)
        do {
            let points = try await keeper.series(experiment)
            report.warnings += ExperimentWarnings.evaluate(experiment, series: points)
            let arms = experiment.config.arms
            report.correct(
                with: points.compactMap { point in
                    arms.firstIndex(of: point.arm).map {
                        StratifiedRate.Point(
                            period: point.hour, arm: $0, views: point.counts.views,
                            conversions: point.counts.conversions)
                    }
                }, algorithm: experiment.config.algorithm)
            return Dashboard.Entry(report: report, points: points)
        } catch {
            return Dashboard.Entry(report: report, seriesProblem: "\(error)")
        }
    }

    private func seriesCSV(_ experiment: ExperimentRuntime) async -> AdminResponse {
        let points: [SeriesPoint]
        do {
            points = try await keeper.series(experiment)
        } catch {
            return .error(503, "the series could not be read from storage: \(error)")
        }
        return AdminResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/csv; charset=utf-8"), ("Cache-Control", "no-store"),
                ("Content-Disposition", "attachment; filename=\"\(experiment.name)-series.csv\""),
            ],
            body: Array(SeriesRows.csv(points, arms: experiment.config.arms).utf8))
    }

    private func unknownPage(_ name: String) -> AdminResponse {
        var main = "<section class=\"card empty-page\"><h2>No experiment named “\(HTML.escape(name))”</h2><p>"
        main += engine.experiments.isEmpty ? "No experiments are configured." : "Known: "
        main += engine.experiments.map { experiment in
            "<a href=\"\(AdminRouter.prefix)/experiments/\(HTML.escape(Dashboard.pathComponent(experiment.name)))\">"
                + HTML.escape(experiment.name) + "</a>"
        }.joined(separator: ", ")
        main += "</p></section>"
        var response = AdminResponse.html(Dashboard.page(title: "Not found · bandit-proxy", main: main, now: Date()))
        response.status = 404
        return response
    }

    /// A browser re-sends the credentials it authenticated with to every request to this
    /// origin, including a form another site submits: without this check, a page elsewhere
    /// could make an admin's browser pause or reset an experiment (cross-site request
    /// forgery). Browsers mark such requests with `Origin` (and `Sec-Fetch-Site`); clients
    /// like curl send neither and are unaffected.
    static func refuseCrossSite(_ request: AdminRequest) -> AdminResponse? {
        guard request.method != "GET", request.method != "HEAD" else { return nil }
        let refusal = AdminResponse.error(403, "cross-site requests to /__bandits are refused")
        if let site = request.header("sec-fetch-site")?.lowercased(), site != "same-origin", site != "none" {
            return refusal
        }
        guard let origin = request.header("origin") else { return nil }
        guard let separator = origin.range(of: "://") else { return refusal }
        let scheme = origin[..<separator.lowerBound].lowercased()
        let authority = authorityWithoutDefaultPort(String(origin[separator.upperBound...]), scheme: scheme)
        let hosts = [
            request.header("host"), request.header("x-forwarded-host")?.split(separator: ",").first.map(String.init),
        ]
        let matches = hosts.compactMap { $0 }.contains { host in
            authorityWithoutDefaultPort(host.trimmingCharacters(in: .whitespaces), scheme: scheme) == authority
        }
        return matches ? nil : refusal
    }

    private static func authorityWithoutDefaultPort(_ authority: String, scheme: String) -> String {
        let lowered = authority.lowercased()
        let defaultPort = scheme == "https" ? ":443" : scheme == "http" ? ":80" : nil
        if let defaultPort, lowered.hasSuffix(defaultPort) { return String(lowered.dropLast(defaultPort.count)) }
        return lowered
    }

    private func health() -> AdminResponse {
        if let problem = keeper.health { return .json(503, ["status": "degraded", "reason": problem]) }
        return .json(200, ["status": "ok"])
    }

    private func unknown(_ name: String) -> AdminResponse {
        .error(404, "no experiment named \"\(name)\"; known: \(engine.experiments.map(\.name).joined(separator: ", "))")
    }

    private func act(_ action: String, on experiment: ExperimentRuntime, body: [UInt8]?) async -> AdminResponse {
        switch action {
        case "pause": await keeper.pause(experiment)
        case "resume": await keeper.resume(experiment)
        case "reset": await keeper.reset(experiment)
        case "winner":
            guard let body else { return .error(413, "request body too large") }
            struct WinnerBody: Decodable { var arm: String }
            guard let parsed = try? JSONDecoder().decode(WinnerBody.self, from: Data(body)) else {
                return .error(400, "expected a JSON body like {\"arm\": \"\(experiment.config.arms.last!)\"}")
            }
            guard let arm = experiment.config.arms.firstIndex(of: parsed.arm) else {
                return .error(
                    422,
                    "experiment \"\(experiment.name)\" has no arm \"\(parsed.arm)\"; arms: \(experiment.config.arms.joined(separator: ", "))"
                )
            }
            await keeper.declareWinner(experiment, arm: arm)
        default:
            return .error(404, "unknown action \"\(action)\"; use pause, resume, reset or winner")
        }
        return .json(200, ExperimentReport(experiment))
    }

    /// `POST …/arms/{arm}/restore`: untrips an arm its guardrails stopped.
    private func act(_ action: String, onArm name: String, of experiment: ExperimentRuntime) async -> AdminResponse {
        guard action == "restore" else { return .error(404, "unknown arm action \"\(action)\"; use restore") }
        guard let arm = experiment.config.arms.firstIndex(of: name) else {
            return .error(
                404,
                "experiment \"\(experiment.name)\" has no arm \"\(name)\"; arms: \(experiment.config.arms.joined(separator: ", "))"
            )
        }
        guard await keeper.restoreArm(experiment, arm: arm) else {
            return .error(
                409, "arm \"\(name)\" of \"\(experiment.name)\" has not tripped its guardrails; nothing to restore")
        }
        return .json(200, ExperimentReport(experiment))
    }

    /// Nil when allowed; else the 401 or 403 to send.
    private func authorize(_ request: AdminRequest) -> AdminResponse? {
        guard let adminToken else {
            return request.clientIsLoopback
                ? nil : .error(403, "set adminToken in proxy.json to use /__bandits from other hosts")
        }
        if let authorization = request.header("authorization"), AdminRouter.matches(authorization, token: adminToken) {
            return nil
        }
        return .error(
            401,
            "authentication required: Authorization: Bearer <adminToken>, or any user name with the token as password",
            headers: [("WWW-Authenticate", "Basic realm=\"bandit-proxy\", charset=\"UTF-8\"")])
    }

    static func matches(_ authorization: String, token: String) -> Bool {
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        switch parts[0].lowercased() {
        case "bearer":
            return constantTimeEquals(Array(parts[1].trimmingCharacters(in: .whitespaces).utf8), Array(token.utf8))
        case "basic":
            guard let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                let credentials = String(data: decoded, encoding: .utf8),
                let colon = credentials.firstIndex(of: ":")
            else { return false }
            return constantTimeEquals(Array(credentials[credentials.index(after: colon)...].utf8), Array(token.utf8))
        default:
            return false
        }
    }

    /// Compares without an early exit, so timing does not reveal how much of the token matched.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// `GET /__bandits/api/experiments/{name}/history`: earlier versions, oldest first.
private struct HistoryBody: Encodable {
    var experiment: String
    var versions: [ArchivedVersion]
}
