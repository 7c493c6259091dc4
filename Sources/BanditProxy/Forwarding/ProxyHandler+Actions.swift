import BanditCore
import Logging
import NIOCore
import NIOHTTP1

/// Carrying out what `ExchangeStateMachine` decides. Its actions that need what the event
/// brought (a body part, a response head, a connection) are carried out where the event is
/// handled; the others here, and every exchange ends in `finish`: the only place where an
/// upstream connection is let go (`tearDown`) and where counts are settled (`settleCounts`).
extension ProxyHandler {
    /// `cause`: the error behind the event, for the log; `switching`: the 101 that opens a tunnel.
    func run(
        _ action: ExchangeStateMachine.Action, cause: (any Error)? = nil, switching: UpstreamResponseHead? = nil
    ) {
        switch action {
        case .none, .dropBodyPart:
            break
        case .connect(let fresh):
            connectUpstream(fresh: fresh)
        case .awaitResponse:
            startResponseTimer()
        case .retry:
            // A kept-alive connection the upstream had closed just as we reused it (RFC 9110 §9.2.2).
            serving.logger.debug(
                "retrying on a fresh upstream connection", metadata: ["error": "\(cause, default: "-")"])
            guard let exchange else { return }
            if let connection = exchange.connection { tearDown(connection, from: exchange.pool, .close) }
            exchange.connection = nil
            exchange.buffered = []  // no body: the head, which every attach sends, is all
            responseDeadline.disarm()
            connectUpstream(fresh: true)
        case .finish(let ending):
            finish(ending, cause: cause, switching: switching)
        case .forwardBodyPart, .attach, .returnConnection, .relayInterimResponse, .forwardResponseHead:
            assertionFailure("\(action) is carried out where its event is handled")
        }
    }

    /// Ends the current exchange (if any): its upstream connection, its counts, then the answer.
    private func finish(_ ending: ExchangeStateMachine.Ending, cause: (any Error)?, switching: UpstreamResponseHead?) {
        let exchange = self.exchange
        self.exchange = nil
        // An ended exchange waits for nothing more.
        bodyDeadline.disarm()
        responseDeadline.disarm()
        if let exchange {
            if let connection = exchange.connection { tearDown(connection, from: exchange.pool, ending.upstream) }
            settleCounts(of: exchange.decision, ending.counts)
        }
        switch ending.reply {
        case .none:
            break
        case .closeClient:
            if let cause {
                serving.logger.warning("upstream failed mid-response", metadata: ["error": "\(cause)"])
            }
            context?.close(promise: nil)
        case .errorPage(let failure, let close):
            report(failure, cause: cause, uri: exchange?.clientHead.uri)
            sendErrorPage(for: failure, of: exchange, close: close)
        case .endOfResponse(let close):
            guard let exchange, let context else { return }
            endProxiedResponse(of: exchange, close: close, context: context)
        case .redirect(let close):
            guard let exchange, let context else { return }
            redirect(exchange, close: close, context: context)
        case .tunnel:
            guard let exchange, let context, let switching else { return }
            openTunnel(after: switching, of: exchange, context: context)
        }
    }

    /// Lets go of an upstream connection: the one place that does, whichever way.
    func tearDown(
        _ connection: UpstreamPool.Connection, from pool: UpstreamPool, _ how: ExchangeStateMachine.Ending.Upstream
    ) {
        switch how {
        case .none:
            break
        case .release:
            pool.release(connection, now: now)
        case .close:
            connection.handler.delegate = nil  // its close must not come back as a failure
            connection.channel.close(promise: nil)
        case .handOver:
            connection.handler.delegate = nil
        }
    }

    /// Commits a decision's counts with the response's status, or abandons them: the one
    /// place that does, so each decision leaves `PendingCommits` exactly once.
    func settleCounts(of decision: Decision, _ counts: ExchangeStateMachine.Ending.Counts) {
        switch counts {
        case .settled:
            return
        case .commit(let status):
            serving.engine.commit(decision, status: status)
            serving.pendingCommits.ended()
        case .abandon:
            serving.pendingCommits.ended()
        }
    }

    /// The log line and metric of a failure the proxy answers.
    private func report(_ failure: ExchangeStateMachine.Failure, cause: (any Error)?, uri: String?) {
        var metadata: Logger.Metadata = ["uri": "\(uri ?? "-")"]
        if let cause { metadata["error"] = "\(cause)" }
        switch failure {
        case .malformed, .bodyTooLarge, .bodyStalled:
            return
        case .upstreamBusy:
            serving.logger.warning("every upstream connection stayed busy", metadata: metadata)
        case .upstreamUnreachable:
            serving.metrics.upstreamConnectFailed()
            serving.logger.warning("upstream unreachable", metadata: metadata)
        case .upstreamClosed:
            serving.logger.warning("upstream closed before answering", metadata: metadata)
        case .unrequestedSwitch:
            metadata["error"] = "\(TunnelError.unrequestedSwitch)"
            serving.logger.warning("upstream closed before answering", metadata: metadata)
        case .upstreamTimedOut:
            serving.metrics.upstreamTimedOut()
            serving.logger.warning("upstream response timed out", metadata: metadata)
        }
    }

    /// Answers with an error page instead of the upstream's response.
    private func sendErrorPage(for failure: ExchangeStateMachine.Failure, of exchange: Exchange?, close: Bool) {
        guard let context else { return }
        let (status, detail) = failure.answer
        if let exchange {
            record(exchange, status: Int(status.code))
        } else {
            serving.metrics.requestFinished(status: Int(status.code), duration: .zero, upstreamDuration: nil)
        }
        let close = close || requests.quiescing
        let (head, body) = ErrorPage.response(status, detail: detail, allocator: allocator, close: close)
        writeOwnResponse(head, body: body, close: close, context: context)
    }
}

extension ExchangeStateMachine.Failure {
    /// The status and the sentence of the error page.
    var answer: (status: HTTPResponseStatus, detail: String) {
        switch self {
        case .malformed(let error): MalformedRequest.answer(for: error)
        case .bodyTooLarge: (.payloadTooLarge, "The request body is larger than this site accepts.")
        case .bodyStalled: (.requestTimeout, "The request body stopped arriving.")
        case .upstreamBusy: (.serviceUnavailable, "The site behind this proxy is busy. Please try again.")
        case .upstreamUnreachable, .upstreamClosed, .unrequestedSwitch:
            (.badGateway, "The site behind this proxy could not be reached.")
        case .upstreamTimedOut: (.gatewayTimeout, "The site behind this proxy took too long to answer.")
        }
    }
}
