import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import BanditProxy

/// Many clients at once: every one is served, nothing is dropped.
@Suite struct ConcurrencyTests {
    @Test func aThousandConcurrentKeepAliveClientsAreAllServed() async throws {
        try await withProxy(await ProxyHarness.start()) { harness in
            let clients = 1000
            let requestsEach = 3
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        try await KeepAliveClient.run(port: harness.port, path: "/", requests: requestsEach)
                    }
                }
                var all: [Int] = []
                for try await statuses in group { all += statuses }
                return all
            }
            #expect(statuses.count == clients * requestsEach)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(harness.upstream.requests.count == clients * requestsEach)
            #expect(harness.totalViews("headline") == clients, "one view per client session")
        }
    }
}

/// One connection that sends `requests` requests one after another, keeping the
/// connection alive and the session cookie, and returns each status.
enum KeepAliveClient {
    static func run(port: Int, path: String, requests: Int) async throws -> [Int] {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.any().makePromise(of: [Int].self)
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            Sequencer(path: path, count: requests, promise: promise))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            defer { channel.close(promise: nil) }
            return try await promise.futureResult.get()
        } catch {
            promise.fail(error)
            throw error
        }
    }

    private final class Sequencer: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        let path: String
        let count: Int
        let promise: EventLoopPromise<[Int]>
        var statuses: [Int] = []
        var cookie: String?
        var done = false

        init(path: String, count: Int, promise: EventLoopPromise<[Int]>) {
            self.path = path
            self.count = count
            self.promise = promise
        }

        func channelActive(context: ChannelHandlerContext) {
            send(context: context)
            context.fireChannelActive()
        }

        func send(context: ChannelHandlerContext) {
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: "127.0.0.1")
            if let cookie { head.headers.add(name: "Cookie", value: cookie) }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                statuses.append(Int(head.status.code))
                if let set = head.headers.first(name: "set-cookie")?.split(separator: ";").first {
                    cookie = String(set)
                }
            case .body:
                break
            case .end:
                if statuses.count == count {
                    done = true
                    promise.succeed(statuses)
                } else {
                    send(context: context)
                }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !done { promise.fail(ChannelError.eof) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if !done {
                done = true
                promise.fail(error)
            }
            context.close(promise: nil)
        }
    }
}
