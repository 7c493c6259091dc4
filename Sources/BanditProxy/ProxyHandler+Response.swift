import BanditCore
import Logging
import NIOCore
import NIOHTTP1

/// The response phase: what the upstream answers goes to the client with our headers
/// (Set-Cookie, cache safety) and the counts are committed by status; a 101 turns both
/// connections into a tunnel; the upstream connection goes back to the pool at the end.
extension ProxyHandler: UpstreamDelegate {
    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func upstreamReceived(_ part: HTTPClientResponsePart) {
        guard let context, let exchange else { return }
        switch part {
        case .head(let head) where head.status.code < 200 && head.status != .switchingProtocols:
            // 1xx informational: relay and keep waiting for the final answer.
            context.writeAndFlush(
                wrapOutboundOut(
                    .head(
                        HTTPResponseHead(
                            version: .http1_1, status: head.status, headers: HopByHop.stripped(head.headers)))),
                promise: nil)
        case .head(let head) where head.status == .switchingProtocols:
            responseDeadline.disarm()
            guard exchange.upgrade != nil, let protocolName = head.headers.first(name: "upgrade") else {
                failBeforeResponse(TunnelError.unrequestedSwitch, connecting: false)
                return
            }
            exchange.responseStarted = true
            exchange.switchingProtocols = true
            services.engine.commit(exchange.decision, status: 101)
            services.pendingCommits.ended()
            var headers = HopByHop.stripped(head.headers)
            headers.add(name: "Connection", value: "Upgrade")
            headers.add(name: "Upgrade", value: protocolName)
            if let cookie = exchange.decision.cookie(forStatus: 101) { headers.add(name: "Set-Cookie", value: cookie) }
            self.exchange = exchange
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: head.status, headers: headers))),
                promise: nil)
        case .head(let head):
            responseDeadline.disarm()
            exchange.responseStarted = true
            exchange.upstreamKeepAlive = head.isKeepAlive
            let status = Int(head.status.code)
            exchange.status = status
            services.engine.commit(exchange.decision, status: status)
            services.pendingCommits.ended()
            var headers = HopByHop.stripped(head.headers)
            if let cookie = exchange.decision.cookie(forStatus: status) {
                headers.add(name: "Set-Cookie", value: cookie)
            }
            if services.config.cacheSafety && !exchange.decision.served.isEmpty && !exchange.decision.excluded {
                CachePolicy.keepPrivate(&headers)
            }
            // After an upgrade request the HTTP parsers on both connections stop at its end (what
            // follows would have been the new protocol): a declined upgrade ends both connections.
            exchange.closeClientAfterResponse =
                !exchange.clientHead.isKeepAlive || !exchange.requestComplete || exchange.upgrade != nil
                || requests.quiescing
            if exchange.closeClientAfterResponse { headers.replaceOrAdd(name: "Connection", value: "close") }
            self.exchange = exchange
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: head.status, headers: headers))),
                promise: nil)
        case .body(let buffer):
            self.exchange?.responseBytes += buffer.readableBytes
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            if exchange.switchingProtocols {
                startTunnel(context: context, exchange: exchange)
            } else {
                finishResponse(trailers: trailers, context: context, exchange: exchange)
            }
        }
    }

    /// The upstream agreed to switch protocols: from here on both connections carry raw bytes.
    private func startTunnel(context: ChannelHandlerContext, exchange: Exchange) {
        self.exchange = nil
        record(exchange, status: 101)
        nextRequestDeadline.disarm()
        guard let connection = exchange.connection else { return }
        connection.handler.delegate = nil
        context.flush()
        let idle = services.tunnelIdleTimeout
        do {
            try Tunnel.join(client: context.channel, upstream: connection.channel, idleTimeout: idle)
        } catch {
            services.logger.warning("could not start the tunnel", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            connection.channel.close(promise: nil)
        }
    }

    private func finishResponse(trailers: HTTPHeaders?, context: ChannelHandlerContext, exchange: Exchange) {
        exchange.finished = true
        self.exchange = nil
        record(exchange, status: exchange.status)
        if let connection = exchange.connection {
            if exchange.requestComplete && exchange.upstreamKeepAlive && exchange.upgrade == nil {
                pool.release(connection)
            } else {
                connection.handler.delegate = nil
                connection.channel.close(promise: nil)
            }
        }
        endResponse(.end(trailers), close: exchange.closeClientAfterResponse, context: context)
    }

    func upstreamReadComplete() { context?.flush() }

    func upstreamFailed(_ error: any Error) {
        if let exchange, exchange.mayRetry {
            // A kept-alive connection the upstream had closed just as we reused it: nothing of
            // the request can have been processed, and it is safe to send again (RFC 9110 §9.2.2).
            services.logger.debug("retrying on a fresh upstream connection", metadata: ["error": "\(error)"])
            exchange.connection?.handler.delegate = nil
            exchange.connection = nil
            exchange.retried = true
            responseDeadline.disarm()
            exchange.responseTimerStarted = false
            exchange.buffered = [.end(nil)]  // after the head, which every attach sends
            self.exchange = exchange
            connectUpstream(fresh: true)
            return
        }
        failBeforeResponse(error, connecting: false)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeClientReads() }
    }
}
