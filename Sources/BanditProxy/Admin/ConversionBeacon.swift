import BanditCore
import Foundation

/// `POST /__bandits/convert?experiment=NAME`: a conversion the page reports from JavaScript,
/// e.g. `navigator.sendBeacon("/__bandits/convert?experiment=headline")`.
///
/// Same-origin only (a cross-site page must not convert someone else's session), the
/// visitor's own session cookie required, counted once per session like a target visit.
enum ConversionBeacon {
    static func handle(_ request: AdminRequest, engine: ExperimentEngine) -> AdminResponse {
        guard request.method == "POST" else {
            return .error(405, "use POST to report a conversion", headers: [("Allow", "POST")])
        }
        if let refused = AdminRouter.refuseCrossSite(request) { return refused }
        let facts = RequestFacts(
            method: request.method, uri: request.uri,
            cookieHeaders: request.headers.filter { $0.name.lowercased() == "cookie" }.map(\.value),
            userAgent: request.header("user-agent"), isHTTPS: request.isHTTPS)
        guard let name = facts.queryValue(named: "experiment").map({ String($0).removingPercentEncoding ?? "" }),
            !name.isEmpty
        else {
            return .error(400, "name the experiment: /__bandits/convert?experiment=NAME")
        }
        switch engine.convertByBeacon(experiment: name, facts) {
        case nil:
            return .error(404, "no experiment named \"\(name)\"")
        case .counted(let setCookie)?:
            var response = AdminResponse.json(200, Outcome(counted: true, reason: nil))
            response.headers.append(("Set-Cookie", setCookie))
            return response
        case .notCounted(let reason)?:
            return .json(200, Outcome(counted: false, reason: reason))
        }
    }

    struct Outcome: Encodable {
        var counted: Bool
        var reason: String?
    }
}
