import BanditCore
import Logging
import NIOCore
import NIOHTTP1

/// `/__bandits` requests: answered by the admin router, off the event loop, then written
/// back on this connection in turn like any response.
extension ProxyHandler {
    func respondToAdmin(_ request: AdminExchange, context: ChannelHandlerContext) {
        let router = serving.admin
        let input = AdminRequest(
            method: request.head.method.rawValue, uri: request.head.uri,
            headers: request.head.headerList,
            body: request.tooLarge ? nil : Array(request.body.readableBytesView),
            clientIsLoopback: ForwardedClient(
                peer: clientAddress, headers: request.head.headerList,
                trustedProxies: serving.config.trustedProxies
            ).isLoopback,
            isHTTPS: request.head.isHTTPS(clientIsTrusted: clientIsTrusted))
        let keepAlive = request.head.isKeepAlive && !requests.quiescing
        context.eventLoop.makeFutureWithTask { await router.handle(input) }.assumeIsolated().whenSuccess {
            response in
            guard let context = self.context else { return }
            var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            let head = HTTPResponseHead(
                version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            let body =
                request.head.method == .HEAD ? nil : self.allocator.buffer(bytes: response.body)
            self.writeOwnResponse(head, body: body, close: !keepAlive, context: context)
        }
    }
}
