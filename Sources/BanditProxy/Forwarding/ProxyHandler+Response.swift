import BanditCore
import Logging
import NIOCore
import NIOHTTP1

/// The response phase: what the upstream answers goes to the client with our headers
/// (Set-Cookie, cache safety); the state machine says when the counts are committed, when a
/// 101 turns both connections into a tunnel, and what becomes of the upstream connection.
extension ProxyHandler: UpstreamDelegate {
    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func upstreamReceived(_ event: UpstreamResponseReader.Event) {
        handlingEvent { handleUpstream(event) }
    }

    private func handleUpstream(_ event: UpstreamResponseReader.Event) {
        guard let context, let exchange else { return }
        switch event {
        case .head(let head) where head.status == 101:
            run(
                machine.switchingProtocolsReceived(namesProtocol: head.firstValue(of: "upgrade") != nil),
                switching: head)
        case .head(let head) where head.isInformational:
            guard machine.interimResponseReceived() == .relayInterimResponse else { return }
            var out = headBuffers.take()
            ClientResponseHead.start(from: head, into: &out)
            ClientResponseHead.end(&out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            headBuffers.giveBack(out)
        case .head(let head):
            forwardResponseHead(head, exchange: exchange)
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
            writeBodyPiece(consume buffer, of: exchange, context: context)
        case .end:
            run(machine.responseEnded())
        }
    }

    /// Starts the client's response from the upstream's head, and commits the counts with its status.
    private func forwardResponseHead(_ head: UpstreamResponseHead, exchange: Exchange) {
        // Fields read one by one: a copy of the client's head would retain each of its buffers.
        let clientIsHTTP10 = exchange.clientHead.minorVersion == 0
        let requestIsHEAD = exchange.clientHead.method == .HEAD
        var pageEditor: PageEditor?
        if exchange.decision.mayEditPage, let coding = PageEditor.editableCoding(of: head, requestIsHEAD: requestIsHEAD)
        {
            pageEditor = makePageEditor(for: head, coding: coding, exchange: exchange)
        }
        // An edited page's length is known only at its end: chunks (or, for HTTP/1.0, the close).
        var framing = ClientBodyFraming(upstream: head, requestIsHEAD: requestIsHEAD, clientIsHTTP10: clientIsHTTP10)
        if pageEditor != nil {
            framing = clientIsHTTP10 ? .untilClose : .chunkEncoded
        } else if framing == .chunkedAsReceived && exchange.decision.mayEditPage {
            framing = .chunkEncoded  // read as data in case it was a page to edit (see `attach`)
        }
        guard
            case .forwardResponseHead(let status, let closeClient) = machine.responseHeadReceived(
                status: head.status, upstreamKeepsAlive: head.keepsConnectionAlive,
                bodyEndsWithClose: framing == .untilClose)
        else { return }
        responseDeadline.disarm()
        exchange.upstreamAnswered = now
        exchange.status = status
        settleCounts(of: exchange.decision, .commit(status: status))
        exchange.pageEditor = pageEditor
        exchange.clientFraming = framing
        var cacheEdits: CachePolicy.Edits?
        if serving.config.cacheSafety && !exchange.decision.served.isEmpty && !exchange.decision.excluded {
            cacheEdits = CachePolicy.keepPrivate(head)
        }
        var out = headBuffers.take()
        // A page decoded on its way: the visitor's coding replaces the site's.
        let recoded = pageEditor.map {
            $0.visitorCoding != .identity || head.firstValue(of: "content-encoding") != nil
        }
        ClientResponseHead.start(
            from: head,
            dropping: .init(
                cacheControl: cacheEdits?.replacesCacheControl ?? false, lengthAndETag: pageEditor != nil,
                contentEncoding: recoded ?? false),
            into: &out)
        if let pageEditor {
            if let etag = head.firstValue(of: "etag") { out.writeField("ETag", PageEditor.weakened(etag: etag)) }
            if pageEditor.visitorCoding != .identity {
                out.writeField("Content-Encoding", pageEditor.visitorCoding.name)
            }
            // The visitor's coding now depends on what it accepts.
            if recoded == true && !PageEditor.variesOnAcceptEncoding(head) { out.writeField("Vary", "Accept-Encoding") }
        }
        if let cookie = exchange.decision.cookie(forStatus: head.status) { out.writeField("Set-Cookie", cookie) }
        if let cacheControl = cacheEdits?.cacheControl { out.writeField("Cache-Control", cacheControl) }
        if cacheEdits?.addsVaryCookie ?? false { out.writeField("Vary", "Cookie") }
        if framing.isChunked { out.writeField("Transfer-Encoding", "chunked") }
        if closeClient || requests.quiescing {
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

    /// The end of a proxied response: what the page editor held back, the last chunk, and
    /// the head if it is still held (a response small enough to leave in one write).
    func endProxiedResponse(of exchange: Exchange, close: Bool, context: ChannelHandlerContext) {
        let rest: ByteBuffer?
        do {
            rest = try exchange.pageEditor?.finish(allocator: allocator, engine: serving.engine)
        } catch {
            // The page's compressed end was corrupt: its head went out, so the visitor's
            // connection is closed without the last chunk, never a cut page passing for whole.
            serving.logger.notice("an edited page could not be decoded", metadata: ["error": "\(error)"])
            record(exchange, status: exchange.status)
            exchange.unsentHead.map { headBuffers.giveBack($0) }
            exchange.unsentHead = nil
            endResponse(nil, close: true, context: context)
            headBuffers.giveBack(exchange.upstreamHead)
            return
        }
        if let rest {
            exchange.responseBytes += rest.readableBytes
            writeUnsentHead(of: exchange, context: context)
            writeBodyPiece(consume rest, of: exchange, context: context)
        }
        record(exchange, status: exchange.status)
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
        endResponse(last, close: close, context: context)
        // Both heads are on their sockets now (or held by them until written).
        if let last { headBuffers.giveBack(last) }
        headBuffers.giveBack(exchange.upstreamHead)
    }

    /// The upstream agreed to switch protocols: its 101 goes to the client, and from here on
    /// both connections carry raw bytes.
    func openTunnel(after head: UpstreamResponseHead, of exchange: Exchange, context: ChannelHandlerContext) {
        var out = headBuffers.take()
        ClientResponseHead.start(from: head, into: &out)
        out.writeField("Connection", "Upgrade")
        out.writeField("Upgrade", head.firstValue(of: "upgrade") ?? "")
        if let cookie = exchange.decision.cookie(forStatus: 101) { out.writeField("Set-Cookie", cookie) }
        ClientResponseHead.end(&out)
        context.write(wrapOutboundOut(out), promise: nil)
        record(exchange, status: 101)
        nextRequestDeadline.disarm()
        guard let connection = exchange.connection else { return }
        context.flush()
        do {
            try Tunnel.join(
                client: context.channel, upstream: connection.channel, idleTimeout: serving.tunnelIdleTimeout)
        } catch {
            serving.logger.warning("could not start the tunnel", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            connection.channel.close(promise: nil)
        }
    }

    /// The page to edit: the arms' edits, and the goal script where the session may still
    /// convert on a click or a form (unless the page's Content-Security-Policy forbids it).
    private func makePageEditor(for head: UpstreamResponseHead, coding: ContentCoding, exchange: Exchange)
        -> PageEditor?
    {
        let host = exchange.clientHead.firstValue(of: "host")
        let goalScriptTag = serving.admin.goalScript.tag(
            for: head, experiments: exchange.decision.goalScriptExperiments, engine: serving.engine, host: host)
        do {
            return try PageEditor(
                arms: exchange.decision.htmlArms, goalScriptTag: goalScriptTag, coding: coding,
                visitorAcceptsGzip: ContentCoding.accepts(
                    .gzip, exchange.clientHead.joinedValues(of: "accept-encoding", separator: ",")),
                page: (host ?? "") + exchange.clientHead.uri, memo: pageMemo, engine: serving.engine,
                allocator: allocator)
        } catch {
            // zlib could not start (out of memory): the page goes out as the site sent it,
            // in a coding the visitor accepts (see `ContentCoding.upstreamAcceptEncoding`).
            serving.logger.warning("could not start decoding a page to edit", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Writes a piece of the response body, framed as a chunk when the client's framing says
    /// so. Consumed, so that a piece with room before its bytes is framed in place, not copied.
    @inline(__always)
    private func writeBodyPiece(_ piece: consuming ByteBuffer, of exchange: Exchange, context: ChannelHandlerContext) {
        if exchange.clientFraming == .chunkEncoded {
            context.write(wrapOutboundOut(ClientBodyFraming.chunk(consume piece, allocator: allocator)), promise: nil)
        } else {
            context.write(wrapOutboundOut(piece), promise: nil)
        }
    }

    /// A compressed page that cannot be decoded, after its head went out: handled as an
    /// upstream that failed mid-response, so the visitor's connection is closed (a cut page
    /// never passes for a whole one) and the upstream's, whose framing may be lost, too.
    private func abandonEditedPage(_ exchange: Exchange, _ error: any Error) {
        exchange.pageEditor = nil
        run(machine.upstreamFailed(), cause: error)
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
        run(machine.upstreamFailed(), cause: error)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeClientReads() }
    }
}
