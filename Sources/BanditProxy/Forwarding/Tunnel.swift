import NIOCore

/// Turning an HTTP exchange into a byte tunnel after `101 Switching Protocols`.
enum Tunnel {
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

        // The HTTP handlers go; each hands the bytes it had read past the handshake to the glue
        // as it leaves, which writes them to the other side.
        try clientPipeline.removeHandler(clientPipeline.handler(type: ProxyHandler.self), promise: nil)
        try upstreamPipeline.removeHandler(upstreamPipeline.handler(type: UpstreamHandler.self), promise: nil)
        client.flush()
        upstream.flush()
        client.read()
        upstream.read()
    }
}

enum TunnelError: Error, CustomStringConvertible {
    case unrequestedSwitch

    var description: String { "the upstream switched protocols although the client did not ask to" }
}
