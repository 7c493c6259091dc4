import NIOCore
import NIOHTTP1
import NIOPosix

// The floor under any SwiftNIO-based HTTP/1.1 proxy on a given machine: a relay that does the
// least a proxy can. Each client connection gets its own upstream connection on the same event
// loop (a pool with perfect affinity); the request head gains one header, found with a single
// scan for its end; the upstream's bytes go back untouched. No HTTP parser, no encoder, no
// cookie, no decision, no timers, no pipelining or error handling: a measuring stick for
// `bench/ceiling.sh`, never a proxy to run. With `--http`, swift-nio's HTTP/1 codecs on both
// connections (HTTPRelay.swift): what a textbook SwiftNIO proxy pays before any logic of its own.
// With `--lean`, heads parsed and edited in place (LeanRelay.swift): what a lean HTTP/1.1 path
// in bandit-proxy could cost.
//
//     NIORelay LISTEN-PORT UPSTREAM-PORT [--http | --lean]

let arguments = CommandLine.arguments
guard (3...4).contains(arguments.count), let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]),
    arguments.count == 3 || ["--http", "--lean"].contains(arguments[3])
else {
    print("usage: NIORelay LISTEN-PORT UPSTREAM-PORT [--http | --lean]")
    exit(2)
}
let mode = arguments.count == 4 ? arguments[3] : "--bytes"
let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            switch mode {
            case "--http":
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                    withPipeliningAssistance: false, withErrorHandling: false)
                try channel.pipeline.syncOperations.addHandler(HTTPClientSide(upstreamPort: upstreamPort))
            case "--lean":
                try channel.pipeline.syncOperations.addHandler(LeanClientSide(upstreamPort: upstreamPort))
            default:
                try channel.pipeline.syncOperations.addHandler(ClientSide(upstreamPort: upstreamPort))
            }
        }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .get()
try await server.closeFuture.get()
