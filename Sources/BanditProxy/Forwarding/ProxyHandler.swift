import BanditCore
import BanditHTML
import Logging
import NIOCore
import NIOHTTP1

/// One client connection: routes `/__bandits` to the admin API and everything else through
/// the experiment engine to a pooled upstream connection on the same event loop.
///
/// Phases, as in docs/ARCHITECTURE.md: request (engine decision) → upstream (rewritten head, streamed
/// body) → response (commit counts by status, Set-Cookie) → done (connection back to the pool).
final class ProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Requests are read here (`ClientRequestReader`), not by a decoder in front: one pipeline
    /// step less per request part, and no boxing of each part into `NIOAny`.
    typealias InboundIn = ByteBuffer
    /// After an upgrade request, the bytes that followed it, for the tunnel.
    typealias InboundOut = ByteBuffer
    /// Responses go out as bytes: proxied heads are the upstream's, edited (`ClientResponseHead`).
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let live: LiveServing
    /// What this connection serves with; renewed between requests after a reload.
    private(set) var serving: Serving
    private(set) var pool: UpstreamPool
    /// The pools of arms with an upstream of their own, by upstream.
    private var armPools: [UpstreamURL: Serving.PoolsByLoop]
    private var servingGeneration: Int
    private var rng = Xoshiro256()
    /// This connection's last session cookie, decoded (reset with the engine on a reload).
    private var cookieMemo = DecodedCookieMemo()
    private(set) var context: ChannelHandlerContext?
    /// The channel's, kept: reaching it through the context costs a retain and a dynamic call each time.
    private(set) var allocator = ByteBufferAllocator()
    /// This event loop's buffers for the heads written (see `HeadBuffers`).
    let headBuffers: HeadBuffers
    /// The edited pages this loop remembers (one memo per event loop, like `headBuffers`).
    let pageMemo: RewriteMemo
    /// The proxied exchange under way: its data. Where it stands is `machine`'s.
    var exchange: Exchange?
    /// The rules of the exchanges on this connection (see `ExchangeStateMachine`).
    var machine = ExchangeStateMachine()
    var admin: AdminExchange?
    let eventLoop: any EventLoop
    // The deadlines hold this handler strongly (see `LazyDeadline`) until `stopDeadlines()`.
    // Constants, not lazy properties: a lazy one's getter retains what it returns, on every
    // arm and disarm.
    /// The next request head must arrive in time (idle keep-alive, slowloris).
    let nextRequestDeadline: LazyDeadline
    /// A request body must keep arriving.
    let bodyDeadline: LazyDeadline
    /// The upstream must answer in time once the whole request is sent.
    let responseDeadline: LazyDeadline
    /// The connection closes once the response being written is out.
    private var closingAfterResponse = false
    /// What the client still sends after the last response, read and dropped (see `linger`).
    private var lingering: Lingering?
    /// Response bytes written to the client since its last flush.
    var clientHasUnflushedWrites = false
    /// A client read held back until the upstream can take more, or pipelined requests are served.
    private var readPending = false
    private var reader = ClientRequestReader(maxHeadBytes: ProxyServer.maxHeaderBytes)
    /// Requests sent before the previous response ended, and when to close.
    private(set) var requests = PipelinedRequests()
    /// `serveWaitingRequests` is running (a request it serves may end synchronously).
    private var servingWaiting = false
    /// An event (a client read, an upstream read) is being handled: `now` reads the clock once
    /// for all of it. A kept-alive request read the clock five times (exchange start, upstream
    /// start, response deadline, end, next-request deadline), a visible share of its cost on a
    /// virtual machine; now twice, once per side.
    private var handlingAnEvent = false
    /// What `now` read during the current event.
    private var eventTime: NIODeadline?

    init(live: LiveServing, eventLoop: any EventLoop, headBuffers: HeadBuffers, pageMemo: RewriteMemo) {
        self.live = live
        self.eventLoop = eventLoop
        self.headBuffers = headBuffers
        self.pageMemo = pageMemo
        servingGeneration = live.generation
        let serving = live.serving
        self.serving = serving
        pool = serving.pools[ObjectIdentifier(eventLoop)]!.value
        armPools = serving.armPools
        nextRequestDeadline = LazyDeadline(eventLoop: eventLoop)
        bodyDeadline = LazyDeadline(eventLoop: eventLoop)
        responseDeadline = LazyDeadline(eventLoop: eventLoop)
    }

    /// The client's IP, formatted once per connection for `X-Forwarded-For`.
    private(set) var clientAddress: String?
    /// The peer is in `trustedProxies`: its forwarding headers are believed.
    private(set) var clientIsTrusted = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Here, not in init: each deadline then holds this handler, and NIO calls
        // `handlerRemoved` (which lets go) for every handler it called this for.
        nextRequestDeadline.whenExpired { self.clientIdleExpired() }
        bodyDeadline.whenExpired { self.run(self.machine.bodyStalled()) }
        responseDeadline.whenExpired { self.run(self.machine.responseTimedOut()) }
        allocator = context.channel.allocator
        clientAddress = context.channel.remoteAddress?.ipAddress
        trustClient()
    }

    private func trustClient() {
        clientIsTrusted =
            clientAddress.map { address in serving.config.trustedProxies.contains { $0.contains(address) } }
            ?? false
    }

    /// Takes up a reloaded configuration; called only between requests, so an exchange is
    /// decided and committed by the same engine.
    private func renewServingIfReloaded(context: ChannelHandlerContext) {
        let generation = live.generation
        guard generation != servingGeneration else { return }
        servingGeneration = generation
        let serving = live.serving
        self.serving = serving
        pool = serving.pools[ObjectIdentifier(context.eventLoop)]!.value
        armPools = serving.armPools
        cookieMemo = DecodedCookieMemo()  // the new engine may have another secret
        trustClient()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Handed to a tunnel after an upgrade: what followed the request is the tunnel's first bytes.
        if let leftover = reader.takeLeftover() { context.fireChannelRead(wrapInboundOut(leftover)) }
        stopDeadlines()  // a tunnel took over, or the connection closed
    }

    private func stopDeadlines() {
        nextRequestDeadline.cancel()
        bodyDeadline.cancel()
        responseDeadline.cancel()
    }

    // MARK: client → proxy

    /// Now: within an event, the time its first reading took (see `handlingAnEvent`).
    var now: NIODeadline {
        if let eventTime { return eventTime }
        let time = NIODeadline.now()
        if handlingAnEvent { eventTime = time }
        return time
    }

    /// Runs `body` as one event, its readings of `now` one (an event within another is part of it).
    func handlingEvent(_ body: () -> Void) {
        guard !handlingAnEvent else { return body() }
        handlingAnEvent = true
        defer {
            handlingAnEvent = false
            eventTime = nil
        }
        body()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if closingAfterResponse {
            // Nothing after the last response is served; what arrives while it is written,
            // or while lingering, is dropped.
            if lingering?.discard(unwrapInboundIn(data).readableBytes) == .enough { context.close(promise: nil) }
            return
        }
        reader.append(unwrapInboundIn(data))
        handlingEvent { readRequests(context: context) }
    }

    private func readRequests(context: ChannelHandlerContext) {
        do {
            // One part at a time: serving one may end a response and serve what waited.
            while !closingAfterResponse, let part = try reader.next() {
                if requests.mustWait {
                    requests.wait(.part(part))
                } else {
                    serve(part, context: context)
                }
            }
        } catch {
            refuse(error as? WireError ?? .malformedStartLine)  // the reader throws nothing else
        }
    }

    /// A request the reader refused: nothing after it is read.
    private func refuse(_ error: WireError) {
        if requests.mustWait {
            requests.wait(.malformed(error))  // earlier requests are answered first
        } else {
            answerMalformed(error)
        }
    }

    /// Takes the part to keep: its head moves into the exchange (a copy would retain each of
    /// its buffers and strings once more).
    private func serve(_ part: consuming ClientRequestReader.Event, context: ChannelHandlerContext) {
        switch consume part {
        case .head(let head):
            requests.requestBegan()
            nextRequestDeadline.disarm()
            renewServingIfReloaded(context: context)
            if AdminRouter.handles(uri: head.uri) {
                admin = AdminExchange(head: head, body: allocator.buffer(capacity: 0))
            } else {
                startExchange(head, context: context)
            }
        case .body(var part, let dataBytes):
            if admin != nil {
                if admin!.body.readableBytes + part.readableBytes > AdminRouter.maxBodyBytes {
                    admin!.tooLarge = true
                } else {
                    admin!.body.writeBuffer(&part)
                }
            } else {
                switch machine.requestBodyReceived(dataBytes: dataBytes) {
                case .forwardBodyPart:
                    awaitMoreBody()
                    sendUpstream(part)
                case let action:
                    run(action)
                }
            }
        case .end:
            requests.requestEnded()
            if let request = admin {
                admin = nil
                respondToAdmin(request, context: context)
            } else {
                bodyDeadline.disarm()
                run(machine.requestEnded())
            }
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        awaitNextRequest()
        context.fireChannelActive()
    }

    /// A client must deliver its next request head within `timeouts.clientIdleSeconds` of the
    /// connection opening or the last response: an idle keep-alive connection, or one that
    /// trickles its headers a byte at a time (slowloris), is closed instead of held forever.
    private func awaitNextRequest() {
        guard context != nil else { return }
        nextRequestDeadline.arm(in: serving.clientIdleTimeout, from: now)
    }

    private func clientIdleExpired() {
        guard !requests.responding else { return }
        context?.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopDeadlines()
        lingering?.deadline.cancel()
        lingering = nil
        run(machine.clientClosed())
        requests.dropWaiting()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.connection?.handler.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if holdsClientReads && lingering == nil {
            readPending = true  // resumed by `resumeClientReads`
        } else {
            context.read()
        }
    }

    /// Pipelined requests wait their turn, and a request body goes no faster than the
    /// upstream connection (once there is one) takes it.
    private var holdsClientReads: Bool {
        if requests.isWaiting { return true }
        switch machine.requestBodyDestination {
        case .none: return false
        case .pendingConnection: return true
        case .connection: return exchange?.connection.map { !$0.channel.isWritable } ?? false
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        serving.logger.debug("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// Answers a request the parser rejected (the one being read, whose exchange is dropped
    /// so no late upstream answer follows ours) and closes the connection.
    private func answerMalformed(_ error: WireError) {
        admin = nil
        run(machine.requestRefused(.malformed(error)))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // Shutting down: finish the response in flight, if any, then close.
            requests.quiescing = true
            if !requests.responding { context.close(promise: nil) }
        case ChannelEvent.inputClosed as ChannelEvent where lingering != nil:
            context.close(promise: nil)  // the client read our answer and closed: done
        case ChannelEvent.inputClosed as ChannelEvent:
            // The client stopped sending in the middle of a request: it can never be complete.
            if reader.isMidRequest { refuse(.truncated) }
            // The client has nothing more to send: answer what it sent, then close.
            requests.clientFinishedSending = true
            if !requests.responding { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Writes the end of the current response (`last`, if its framing has one), then closes,
    /// or waits for the next request and serves any the client has already sent. Only a
    /// closing connection needs to know when the end is on the wire (a future per kept-alive
    /// request would be one more malloc).
    func endResponse(_ last: ByteBuffer?, close: Bool, context: ChannelHandlerContext) {
        requests.responseEnded()
        let closing = close || requests.quiescing
        guard closing || requests.clientFinishedSending else {
            clientHasUnflushedWrites = false
            if let last {
                context.writeAndFlush(wrapOutboundOut(last), promise: nil)
            } else {
                context.flush()
            }
            awaitNextRequest()
            serveWaitingRequests(context: context)
            return
        }
        clientHasUnflushedWrites = false
        let written = context.writeAndFlush(wrapOutboundOut(last ?? allocator.buffer(capacity: 0)))
        if closing {
            closingAfterResponse = true  // nothing the client sent after this is served
            requests.dropWaiting()
            written.assumeIsolated().whenComplete { _ in self.linger(context: context) }
            return
        }
        awaitNextRequest()
        serveWaitingRequests(context: context)
        if !requests.responding {  // the half-closed client's last request is answered
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Closes after a response that ends the connection without resetting it: a client still
    /// sending (an upload refused with 413, a 431 for a huge header) would get a reset for the
    /// bytes it sends after our close, and a reset can destroy the answer before the client
    /// reads it. So, as nginx's `lingering_close`: send a FIN, read and drop what the client
    /// still sends, and close when it closes, or after `Lingering.limit` bytes or seconds.
    private func linger(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        if requests.clientFinishedSending {
            context.close(promise: nil)
            return
        }
        lingering = Lingering(
            deadline: context.eventLoop.assumeIsolated().scheduleTask(in: Lingering.time) {
                context.close(promise: nil)
            })
        let closeOutput = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: closeOutput)
        closeOutput.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        nextRequestDeadline.disarm()
        context.read()
    }

    /// Writes a whole response of the proxy's own (an error page, a redirect, an admin answer) and ends it.
    func writeOwnResponse(_ head: HTTPResponseHead, body: ByteBuffer?, close: Bool, context: ChannelHandlerContext) {
        context.write(
            wrapOutboundOut(ClientResponseHead.serialize(head, allocator: allocator)), promise: nil)
        if let body { context.write(wrapOutboundOut(body), promise: nil) }
        endResponse(nil, close: close, context: context)
    }

    private func serveWaitingRequests(context: ChannelHandlerContext) {
        guard !servingWaiting else { return }  // the outer call goes on serving
        servingWaiting = true
        defer { servingWaiting = false }
        while self.context != nil, let item = requests.next() {
            switch item {
            case .part(let part): serve(part, context: context)
            case .malformed(let error): answerMalformed(error)
            }
        }
        resumeClientReads()
    }

    // MARK: request phase

    private func startExchange(_ head: consuming ClientRequestHead, context: ChannelHandlerContext) {
        if let limit = serving.config.maxRequestBodyBytes,
            let declared = head.framing.contentLength, declared > limit
        {
            // Refused before anything reaches the upstream; the unread body means the connection closes.
            run(machine.requestRefused(.bodyTooLarge))
            return
        }
        // Held once: read through `serving` in the closure below, the engine would be
        // retained again for every field line of the request.
        let engine = serving.engine
        let facts = head.facts(clientIsTrusted: clientIsTrusted, readingUserAgent: engine.readsUserAgent)
        let decision = Self.goalScriptForPagesOnly(
            engine.decide(
                facts, using: &rng, cookieMemo: &cookieMemo, clientAddress: { budgetedClient(of: head) },
                requestHeader: { head.firstValue(named: $0) }), head)
        serving.pendingCommits.began()  // settled when the machine ends the exchange (`settleCounts`)
        let upgrade = head.requestedUpgrade
        let request = ExchangeStateMachine.Request(
            keepAlive: head.isKeepAlive, idempotent: head.method.isIdempotent, upgrade: upgrade != nil,
            maxBodyBytes: serving.config.maxRequestBodyBytes)
        let armUpstream = decision.upstreamArm.flatMap(engine.upstream(of:))
        var upstreamHead = headBuffers.take()
        UpstreamRequest.head(
            from: head, uri: decision.rewrittenURI ?? head.uri,
            isExperimentHeader: { engine.isExperimentHeader(utf8: $0) }, injected: decision.served,
            clientAddress: clientAddress, clientIsTrusted: clientIsTrusted,
            upstreamHost: serving.config.hostHeader == .upstream
                ? (armUpstream ?? serving.config.upstream).hostHeader : nil,
            upgrade: upgrade,
            acceptEncoding: decision.mayEditPage ? Self.decodableAcceptEncoding(head) : .asSent, into: &upstreamHead)
        let framing = head.framing
        let exchange = Exchange(
            clientHead: consume head, upstreamHead: upstreamHead, decision: consume decision,
            pool: armUpstream.flatMap { armPools[$0]?[ObjectIdentifier(eventLoop)]?.value } ?? pool, started: now)
        self.exchange = exchange
        if framing.contentLength != nil || framing.transferCoding != .none {
            awaitMoreBody()
        }
        // A redirecting arm is answered at the request's end, without the upstream.
        run(machine.exchangeBegan(request, redirects: exchange.decision.redirectLocation != nil))
    }

    /// A request body must keep arriving: `timeouts.clientIdleSeconds` without a byte of it
    /// (a client that stalls mid-upload) ends the exchange with 408, or a closed connection
    /// once the response has started, and frees the upstream connection it held.
    private func awaitMoreBody() {
        guard context != nil else { return }
        bodyDeadline.arm(in: serving.clientIdleTimeout, from: now)
    }

    func connectUpstream(fresh: Bool) {
        guard let exchange else { return }
        if exchange.upstreamStarted == nil { exchange.upstreamStarted = now }
        let pool = exchange.pool
        pool.acquire(fresh: fresh) { result in
            switch result {
            case .success(let connection):
                self.attach(connection, from: pool)
            case .failure(let error):
                self.run(
                    self.machine.upstreamUnavailable(busy: error is UpstreamPool.AllConnectionsBusy), cause: error)
            }
        }
    }

    // MARK: upstream phase

    private func attach(_ connection: UpstreamPool.Connection, from pool: UpstreamPool) {
        guard case .attach(let awaitResponse) = machine.upstreamConnected(reused: connection.reused),
            let exchange
        else {
            tearDown(connection, from: pool, .release)  // the exchange ended while it connected
            return
        }
        let upstream = connection.handler
        upstream.delegate = self
        exchange.connection = connection
        // An HTTP/1.0 client cannot read chunks: it gets only their data, and a closed connection
        // at the end. A page that may be edited is read as data too, and chunked anew.
        upstream.expectResponse(
            toHEAD: exchange.clientHead.method == .HEAD,
            dechunk: exchange.clientHead.minorVersion == 0 || exchange.decision.mayEditPage)
        let parts = exchange.buffered
        exchange.buffered = []
        upstream.send(exchange.upstreamHead, flush: parts.isEmpty)
        for (index, part) in parts.enumerated() { upstream.send(part, flush: index == parts.count - 1) }
        if awaitResponse { startResponseTimer() }
        resumeClientReads()
    }

    private func sendUpstream(_ part: ByteBuffer) {
        guard exchange != nil else { return }
        if let connection = exchange!.connection {
            connection.handler.send(part, flush: true)
        } else {
            exchange!.buffered.append(part)
        }
    }

    /// The response timeout runs from the end of the request, so a slow upload is not a slow upstream.
    func startResponseTimer() {
        guard context != nil else { return }
        responseDeadline.arm(in: serving.responseTimeout, from: now)
    }

    func resumeClientReads() {
        guard readPending, !holdsClientReads, let context else { return }
        readPending = false
        context.read()
    }

    /// Counts the request for each arm it carried: its status, and the time to the upstream's
    /// answer (or to the proxy's own 502/504).
    private func recordPerArm(_ exchange: Exchange, status: Int, end: NIODeadline) {
        let latency = ((exchange.upstreamAnswered ?? end) - (exchange.upstreamStarted ?? exchange.started)).nanoseconds
        let experiments = serving.engine.experiments
        for served in exchange.decision.served {
            guard let arm = served.reference else { continue }
            let experiment = experiments[arm.experiment]
            experiment.requestStats[arm.arm].record(
                status: status, latencyNanoseconds: latency, slowNanoseconds: experiment.slowNanoseconds)
        }
    }

    /// The address a new session is budgeted to (`limits.newSessionsPerMinute`): the client
    /// a trusted front proxy names, else the peer. An untrusted peer is held to account for
    /// whatever it claims to relay.
    private func budgetedClient(of head: borrowing ClientRequestHead) -> String? {
        guard clientIsTrusted else { return clientAddress }
        let forwarding = head.forwardingHeaders
        guard !forwarding.isEmpty else { return clientAddress }
        return ForwardedClient(
            peer: clientAddress, headers: forwarding, trustedProxies: serving.config.trustedProxies
        ).address ?? clientAddress
    }

    // MARK: logging phase

    /// Counts the answered request in the metrics and writes its access log line.
    func record(_ exchange: Exchange, status: Int) {
        let end = now
        let duration = end - exchange.started
        let upstreamDuration = exchange.upstreamStarted.map { end - $0 }
        serving.metrics.requestFinished(status: status, duration: duration, upstreamDuration: upstreamDuration)
        if !exchange.decision.served.isEmpty { recordPerArm(exchange, status: status, end: end) }
        guard serving.accessLog.isEnabled else { return }
        serving.accessLog.record(
            AccessLog.Entry(
                client: clientAddress ?? "-", method: exchange.clientHead.method.rawValue, uri: exchange.clientHead.uri,
                status: status, bytes: exchange.responseBytes, duration: .nanoseconds(duration.nanoseconds),
                upstreamDuration: upstreamDuration.map { .nanoseconds($0.nanoseconds) },
                arms: exchange.decision.served))
    }
}
