import NIOCore
import NIOHTTP1

/// Turning an HTTP exchange into a byte tunnel after `101 Switching Protocols`.
enum Tunnel {
    /// The protocol a request asks to switch to: `Upgrade: x` with `upgrade` among the
    /// `Connection` tokens (RFC 9110 §7.8).
    static func requestedUpgrade(_ headers: HTTPHeaders) -> String? {
        // Checked on every request: a scan of the names, no token arrays.
        let asksToUpgrade = headers.contains { header in
            header.name.utf8.count == 10 && KnownHeader.equal(header.name, "connection")
                && UpstreamRequest.lists(header.value, "upgrade")
        }
        guard asksToUpgrade else { return nil }
        return headers.first(name: "upgrade")
    }

    /// Replaces the HTTP handlers of both channels by a glued pair. Bytes either side had
    /// already read past the handshake are forwarded to the glue, so nothing sent early is lost.
    static func join(client: any Channel, upstream: any Channel, idleTimeout: TimeAmount) throws {
        let (clientGlue, upstreamGlue) = TunnelGlue.pair()
        let clientPipeline = client.pipeline.syncOperations
        let upstreamPipeline = upstream.pipeline.syncOperations

        try clientPipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
        try clientPipeline.addHandler(clientGlue)
        try upstreamPipeline.addHandler(upstreamGlue)
        _ = client.setOption(.allowRemoteHalfClosure, value: true)
        _ = upstream.setOption(.allowRemoteHalfClosure, value: true)

        // Everything HTTP goes, the handlers that write HTTP before those holding read bytes:
        // those leftovers are written straight to the other side, which must by then expect raw
        // bytes. `UpstreamHandler` hands its leftovers over as it leaves; the client's decoder
        // leaves on the next loop tick and hands over its leftovers then: flush them.
        try clientPipeline.removeHandler(clientPipeline.handler(type: ProxyHandler.self), promise: nil)
        try upstreamPipeline.removeHandler(upstreamPipeline.handler(type: HTTPRequestEncoder.self), promise: nil)
        try upstreamPipeline.removeHandler(upstreamPipeline.handler(type: UpstreamHandler.self), promise: nil)
        let clientDecoderGone = client.eventLoop.makePromise(of: Void.self)
        try clientPipeline.removeHandler(
            clientPipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self), promise: clientDecoderGone)
        clientDecoderGone.futureResult.whenComplete { _ in
            client.flush()
            upstream.flush()
        }
        client.read()
        upstream.read()
    }
}

enum TunnelError: Error, CustomStringConvertible {
    case unrequestedSwitch

    var description: String { "the upstream switched protocols although the client did not ask to" }
}
