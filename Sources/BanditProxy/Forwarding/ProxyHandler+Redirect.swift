import BanditCore
import NIOCore
import NIOHTTP1

/// An arm with `"path": …, "redirect": true`: the visitor is sent to the arm's page with a
/// 302, and the source page's view is counted with it (committed by the state machine), as
/// if the page had been served.
extension ProxyHandler {
    func redirect(_ exchange: Exchange, close: Bool, context: ChannelHandlerContext) {
        guard let location = exchange.decision.redirectLocation else { return }
        let status = HTTPResponseStatus.found
        record(exchange, status: Int(status.code))
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: location)
        if let cookie = exchange.decision.cookie(forStatus: Int(status.code)) {
            headers.add(name: "Set-Cookie", value: cookie)
        }
        // Where a visitor is sent depends on the arm: no cache may keep it for another.
        headers.add(name: "Cache-Control", value: "private, no-store")
        headers.add(name: "Content-Length", value: "0")
        let close = close || requests.quiescing
        if close { headers.add(name: "Connection", value: "close") }
        writeOwnResponse(
            HTTPResponseHead(version: .http1_1, status: status, headers: headers), body: nil, close: close,
            context: context)
    }
}
