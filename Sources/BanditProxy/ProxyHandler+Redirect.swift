import BanditCore
import NIOCore
import NIOHTTP1

/// An arm with `"path": …, "redirect": true`: the visitor is sent to the arm's page with a
/// 302, and the source page's view is counted with it, as if the page had been served.
extension ProxyHandler {
    func redirect(_ exchange: Exchange) {
        guard let context, let location = exchange.decision.redirectLocation else { return }
        self.exchange = nil
        let status = HTTPResponseStatus.found
        services.engine.commit(exchange.decision, status: Int(status.code))
        services.pendingCommits.ended()
        record(exchange, status: Int(status.code))
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: location)
        if let cookie = exchange.decision.cookie(forStatus: Int(status.code)) {
            headers.add(name: "Set-Cookie", value: cookie)
        }
        // Where a visitor is sent depends on the arm: no cache may keep it for another.
        headers.add(name: "Cache-Control", value: "private, no-store")
        headers.add(name: "Content-Length", value: "0")
        let close = !exchange.clientHead.isKeepAlive || requests.quiescing
        if close { headers.add(name: "Connection", value: "close") }
        respond(
            HTTPResponseHead(version: .http1_1, status: status, headers: headers), body: nil, close: close,
            context: context)
    }
}
