import NIOCore

/// Receives what an upstream connection reads, on the same event loop.
protocol UpstreamDelegate: AnyObject {
    func upstreamReceived(_ event: UpstreamResponseReader.Event)
    func upstreamReadComplete()
    func upstreamFailed(_ error: any Error)
    func upstreamWritabilityChanged(isWritable: Bool)
    /// Whether the client can take more response bytes; the upstream stops reading when not.
    var clientIsWritable: Bool { get }
}

/// The last handler of an upstream channel: reads responses (`UpstreamResponseReader`) for
/// whichever client request currently owns the connection, and holds reads while that
/// client is slow.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    /// After a 101, the bytes read past its head, for the tunnel.
    typealias InboundOut = ByteBuffer
    /// Requests go out as bytes: heads written by `UpstreamRequest`, bodies as the client framed them.
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Strong, not weak (a weak reference sends every retain of the client's handler down the
    /// runtime's slow path); the pool, the close and the tunnel each set it back to nil.
    var delegate: (any UpstreamDelegate)?
    /// Called once when the connection closes, so the pool forgets it.
    var onClose: (() -> Void)?
    /// Closes the connection once it has been idle in the pool too long (armed by the pool).
    var idleExpiry: LazyDeadline?
    private var context: ChannelHandlerContext?
    private var readPending = false
    private var reader = UpstreamResponseReader()

    /// A request went out on this connection: what is read next answers it.
    func expectResponse(toHEAD isHEAD: Bool, dechunk: Bool) {
        reader.expectResponse(toHEAD: isHEAD, dechunk: dechunk)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // Handed to a tunnel after a 101: what followed the head is the tunnel's first bytes.
        if let leftover = reader.takeLeftover() { context.fireChannelRead(wrapInboundOut(leftover)) }
        // Closed, or handed to a tunnel: the pool's closures may let go of the channel.
        idleExpiry?.cancel()
        onClose = nil
        delegate = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        do {
            // One event at a time: the delegate may send the next request on this connection
            // while handling one, which the reader must be free to take.
            while let event = try reader.next() {
                guard let delegate else {
                    context.close(promise: nil)  // an answer no request is waiting for
                    return
                }
                delegate.upstreamReceived(event)
            }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        do {
            // A body that runs until the connection closes ends here.
            if let end = try reader.inputClosed() { delegate?.upstreamReceived(end) }
        } catch {}  // a truncated response: the failure below says so
        idleExpiry?.cancel()
        onClose?()
        onClose = nil
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(ChannelError.ioOnClosedChannel)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamFailed(error)
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
    }

    func read(context: ChannelHandlerContext) {
        if let delegate, !delegate.clientIsWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Writes request bytes from this handler's place in the pipeline, the last: a write
    /// through the channel would start at the tail and step through this handler first.
    func send(_ bytes: ByteBuffer, flush: Bool) {
        guard let context else { return }  // closed, or handed to a tunnel
        if flush {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        } else {
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    /// The client drained its buffer: read again if a read was held back.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }
}
