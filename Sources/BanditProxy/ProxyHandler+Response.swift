import BanditCore
import Logging
import NIOCore
import NIOHTTP1

/// The response phase: what the upstream answers goes to the client with our headers
/// (Set-Cookie, cache safety) and the counts are committed by status; a 101 turns both
/// connections into a tunnel; the upstream connection goes back to the pool at the end.
extension ProxyHandler: UpstreamDelegate {
    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func upstreamReceived(_ event: UpstreamResponseReader.Event) {
        handlingEvent { handleUpstream(event) }
    }

    private func handleUpstream(_ event: UpstreamResponseReader.Event) {
        guard let context, let exchange else { return }
        switch event {
        case .head(let head) where head.status == 101:
            switchProtocols(head, context: context, exchange: exchange)
        case .head(let head) where head.isInformational:
            // 1xx informational: relay and keep waiting for the final answer.
            var out = headBuffers.take()
            ClientResponseHead.start(from: head, into: &out)
            ClientResponseHead.end(&out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            headBuffers.giveBack(out)
        case .head(let head):
            respond(with: head, context: context, exchange: exchange)
        case .body(var buffer):
            if let editor = exchange.pageEditor {
                do {
                    guard let edited = try editor.edit(buffer, allocator: allocator) else { return }
                    buffer = edited
                } catch {
                    abandonEditedPage(exchange, error)
                    return
                }
            }
            exchange.responseBytes += buffer.readableBytes
            clientHasUnflushedWrites = true
            if exchange.unsentHead != nil && exchange.clientFraming != .chunkEncoded
                && buffer.readableBytes <= Self.coalescedBodyBytes
            {
                exchange.unsentHead!.writeImmutableBuffer(buffer)  // a small response goes out in one write
                return
            }
            writeUnsentHead(of: exchange, context: context)
            let framed =
                exchange.clientFraming == .chunkEncoded
                ? ClientBodyFraming.chunk(buffer, allocator: allocator) : buffer
            context.write(wrapOutboundOut(framed), promise: nil)
        case .end:
            finishResponse(context: context, exchange: exchange)
        }
    }

    private func respond(with head: UpstreamResponseHead, context: ChannelHandlerContext, exchange: Exchange) {
        responseDeadline.disarm()
        exchange.upstreamAnswered = now
        exchange.responseStarted = true
        exchange.upstreamKeepAlive = head.keepsConnectionAlive
        exchange.status = head.status
        services.engine.commit(exchange.decision, status: head.status)
        services.pendingCommits.ended()
        // Fields read one by one: a copy of the client's head would retain each of its buffers.
        let clientIsHTTP10 = exchange.clientHead.minorVersion == 0
        let requestIsHEAD = exchange.clientHead.method == .HEAD
        if exchange.decision.mayEditPage, let coding = PageEditor.editableCoding(of: head, requestIsHEAD: requestIsHEAD)
        {
            exchange.pageEditor = makePageEditor(for: head, coding: coding, exchange: exchange)
        }
        // An edited page's length is known only at its end: chunks (or, for HTTP/1.0, the close).
        var framing = ClientBodyFraming(upstream: head, requestIsHEAD: requestIsHEAD, clientIsHTTP10: clientIsHTTP10)
        if exchange.pageEditor != nil {
            framing = clientIsHTTP10 ? .untilClose : .chunkEncoded
        } else if framing == .chunkedAsReceived && exchange.decision.mayEditPage {
            framing = .chunkEncoded  // read as data in case it was a page to edit (see `attach`)
        }
        exchange.clientFraming = framing
        // After an upgrade request the HTTP parsers on both connections stop at its end (what
        // follows would have been the new protocol): a declined upgrade ends both connections.
        exchange.closeClientAfterResponse =
            !exchange.clientHead.isKeepAlive || !exchange.requestComplete || exchange.upgrade != nil
            || requests.quiescing
            || framing == .untilClose
        var cacheEdits: CachePolicy.Edits?
        if services.config.cacheSafety && !exchange.decision.served.isEmpty && !exchange.decision.excluded {
            cacheEdits = CachePolicy.keepPrivate(head)
        }
        var out = headBuffers.take()
        let editor = exchange.pageEditor
        // A page decoded on its way: the visitor's coding replaces the site's.
        let recoded = editor.map { $0.visitorCoding != .identity || head.firstValue(of: "content-encoding") != nil }
        ClientResponseHead.start(
            from: head,
            dropping: .init(
                cacheControl: cacheEdits?.replacesCacheControl ?? false, lengthAndETag: editor != nil,
                contentEncoding: recoded ?? false),
            into: &out)
        if let editor {
            if let etag = head.firstValue(of: "etag") { out.writeField("ETag", PageEditor.weakened(etag: etag)) }
            if editor.visitorCoding != .identity { out.writeField("Content-Encoding", editor.visitorCoding.name) }
            // The visitor's coding now depends on what it accepts.
            if recoded == true && !PageEditor.variesOnAcceptEncoding(head) { out.writeField("Vary", "Accept-Encoding") }
        }
        if let cookie = exchange.decision.cookie(forStatus: head.status) { out.writeField("Set-Cookie", cookie) }
        if let cacheControl = cacheEdits?.cacheControl { out.writeField("Cache-Control", cacheControl) }
        if cacheEdits?.addsVaryCookie ?? false { out.writeField("Vary", "Cookie") }
        if framing.isChunked { out.writeField("Transfer-Encoding", "chunked") }
        if exchange.closeClientAfterResponse {
            out.writeField("Connection", "close")
        } else if clientIsHTTP10 {
            out.writeField("Connection", "keep-alive")  // an HTTP/1.0 client assumes close otherwise
        }
        ClientResponseHead.end(&out)
        // Held until the body's first bytes (usually in the same read) or the end of this read.
        exchange.unsentHead = out
        clientHasUnflushedWrites = true
    }

    /// Bodies up to this size are copied behind their head, to go out in one write.
    static let coalescedBodyBytes = 8 * 1024

    private func writeUnsentHead(of exchange: Exchange, context: ChannelHandlerContext) {
        guard let head = exchange.unsentHead else { return }
        exchange.unsentHead = nil
        context.write(wrapOutboundOut(head), promise: nil)
        headBuffers.giveBack(head)
    }

    /// The upstream agreed to switch protocols: from here on both connections carry raw bytes.
    private func switchProtocols(_ head: UpstreamResponseHead, context: ChannelHandlerContext, exchange: Exchange) {
        responseDeadline.disarm()
        guard exchange.upgrade != nil, let protocolName = head.firstValue(of: "upgrade") else {
            // What follows on that connection is no longer HTTP: it is closed, not pooled.
            exchange.connection?.handler.delegate = nil
            exchange.connection?.channel.close(promise: nil)
            failBeforeResponse(TunnelError.unrequestedSwitch, connecting: false)
            return
        }
        exchange.responseStarted = true
        services.engine.commit(exchange.decision, status: 101)
        services.pendingCommits.ended()
        var out = headBuffers.take()
        ClientResponseHead.start(from: head, into: &out)
        out.writeField("Connection", "Upgrade")
        out.writeField("Upgrade", protocolName)
        if let cookie = exchange.decision.cookie(forStatus: 101) { out.writeField("Set-Cookie", cookie) }
        ClientResponseHead.end(&out)
        context.write(wrapOutboundOut(out), promise: nil)

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

    private func finishResponse(context: ChannelHandlerContext, exchange: Exchange) {
        let rest: ByteBuffer?
        do {
            rest = try exchange.pageEditor?.finish(allocator: allocator, engine: services.engine)
        } catch {
            abandonEditedPage(exchange, error)
            return
        }
        if let rest {
            exchange.responseBytes += rest.readableBytes
            writeUnsentHead(of: exchange, context: context)
            let framed =
                exchange.clientFraming == .chunkEncoded ? ClientBodyFraming.chunk(rest, allocator: allocator) : rest
            context.write(wrapOutboundOut(framed), promise: nil)
        }
        exchange.finished = true
        self.exchange = nil
        record(exchange, status: exchange.status)
        if let connection = exchange.connection {
            if exchange.requestComplete && exchange.upstreamKeepAlive && exchange.upgrade == nil {
                exchange.pool.release(connection, now: now)
            } else {
                connection.handler.delegate = nil
                connection.channel.close(promise: nil)
            }
        }
        var last =
            exchange.clientFraming == .chunkEncoded
            ? ClientBodyFraming.lastChunk(allocator: allocator) : nil
        // A head still held (no body, or one small enough to have joined it) leaves with the
        // end: one write-and-flush through the pipeline rather than a write and a flush.
        if var head = exchange.unsentHead {
            exchange.unsentHead = nil
            if var end = last { head.writeBuffer(&end) }
            last = head
        }
        endResponse(last, close: exchange.closeClientAfterResponse, context: context)
        // Both heads are on their sockets now (or held by them until written).
        if let last { headBuffers.giveBack(last) }
        headBuffers.giveBack(exchange.upstreamHead)
    }

    /// The page to edit: the arms' edits, and the goal script where the session may still
    /// convert on a click or a form (unless the page's Content-Security-Policy forbids it).
    private func makePageEditor(for head: UpstreamResponseHead, coding: ContentCoding, exchange: Exchange)
        -> PageEditor?
    {
        let goalScriptTag = services.admin.goalScript.tag(
            for: head, experiments: exchange.decision.goalScriptExperiments, engine: services.engine,
            host: exchange.clientHead.firstValue(of: "host"))
        do {
            return try PageEditor(
                arms: exchange.decision.htmlArms, goalScriptTag: goalScriptTag, coding: coding,
                visitorAcceptsGzip: ContentCoding.accepts(
                    .gzip, exchange.clientHead.joinedValues(of: "accept-encoding", separator: ",")),
                engine: services.engine, allocator: allocator)
        } catch {
            // zlib could not start (out of memory): the page goes out as the site sent it,
            // in a coding the visitor accepts (see `ContentCoding.upstreamAcceptEncoding`).
            services.logger.warning("could not start decoding a page to edit", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// A compressed page that cannot be decoded, after its head went out: the visitor's
    /// connection is closed, so a cut page never passes for a whole one, and the upstream's
    /// connection, whose framing may be lost, is not reused.
    private func abandonEditedPage(_ exchange: Exchange, _ error: any Error) {
        exchange.pageEditor = nil
        exchange.connection?.handler.delegate = nil
        exchange.connection?.channel.close(promise: nil)
        failBeforeResponse(error, connecting: false)
    }

    func upstreamReadComplete() {
        guard let context else { return }
        if let exchange { writeUnsentHead(of: exchange, context: context) }
        // Usually the response ended in this read and `endResponse` has flushed it already.
        guard clientHasUnflushedWrites else { return }
        clientHasUnflushedWrites = false
        context.flush()
    }

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
            exchange.buffered = []  // no body: the head, which every attach sends, is all
            connectUpstream(fresh: true)
            return
        }
        failBeforeResponse(error, connecting: false)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeClientReads() }
    }
}
