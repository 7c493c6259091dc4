import NIOCore
import NIOHTTP1
import NIOPosix

/// The sample site behind `bandit-proxy demo`: a home page whose headline follows the
/// `X-Bandit-Headline` header the proxy injects, with a call to action (`a.cta`) that the
/// proxy itself edits for the `cta` experiment, and a contact page (the conversion).
enum DemoSite {
    static func start(host: String = "127.0.0.1", port: Int = 0, group: any EventLoopGroup) async throws
        -> any Channel
    {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(PageHandler())
                }
            }
            .bind(host: host, port: port).get()
    }

    static func page(path: String, headline arm: String?) -> (HTTPResponseStatus, String) {
        switch path {
        case "/", "/index.html":
            let headline =
                arm == "bold"
                ? "<h1 style=\"font-size:3em;font-weight:900\">Ship faster. Today.</h1>"
                : "<h1>A tool that helps you ship</h1>"
            return (
                .ok,
                """
                <!doctype html><html><head><meta charset="utf-8"><title>Demo site</title></head>
                <body style="font-family:system-ui,sans-serif;margin:3em">\(headline)
                <p>This page is served by the demo site; bandit-proxy chose the headline (arm: \(arm ?? "none")).</p>
                <p><a class="cta" href="/contact/">Contact us</a> · <a href="/__bandits">Dashboard</a></p></body></html>

                """
            )
        case "/contact", "/contact/":
            return (
                .ok,
                "<!doctype html><html><body style=\"font-family:system-ui\"><h1>Thanks for getting in touch</h1></body></html>\n"
            )
        default:
            return (.notFound, "<!doctype html><html><body><h1>Not found</h1></body></html>\n")
        }
    }

    private final class PageHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private var head: HTTPRequestHead?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break
            case .end:
                guard let head else { return }
                let path = String(head.uri.prefix { $0 != "?" })
                let (status, html) = DemoSite.page(path: path, headline: head.headers.first(name: "x-bandit-headline"))
                var headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8")])
                headers.add(name: "Content-Length", value: String(html.utf8.count))
                context.write(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                    promise: nil)
                if head.method != .HEAD {
                    context.write(
                        wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: html)))),
                        promise: nil)
                }
                let keepAlive = head.isKeepAlive
                context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                    if !keepAlive { context.close(promise: nil) }
                }
                self.head = nil
            }
        }
    }
}
