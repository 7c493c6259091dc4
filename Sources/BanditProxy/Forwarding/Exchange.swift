import BanditCore
import NIOCore

/// One proxied request and its response: what it carries (heads, decision, connection,
/// timings). Where it stands is `ExchangeStateMachine`'s.
///
/// A class, not a struct: it is updated at every step of an exchange, and a struct this
/// size would be copied (with a retain of every reference inside) each time.
final class Exchange {
    let clientHead: ClientRequestHead
    /// The head the upstream receives, written (`UpstreamRequest.head`).
    let upstreamHead: ByteBuffer
    let decision: Decision
    /// The pool of the upstream that serves it: the main one, or its arm's (`ArmVariant.upstream`).
    let pool: UpstreamPool
    var connection: UpstreamPool.Connection?
    /// Request body bytes waiting for the upstream connection (the head is `upstreamHead`,
    /// sent first on whichever connection is attached).
    var buffered: [ByteBuffer] = []
    /// For metrics and the access log.
    let started: NIODeadline
    var upstreamStarted: NIODeadline?
    /// When the upstream's response head arrived.
    var upstreamAnswered: NIODeadline?
    var status = 0
    var responseBytes = 0
    /// The client's response head, not written yet: the body's first bytes may join it.
    var unsentHead: ByteBuffer?
    /// How the response body reaches the client, once its head is known.
    var clientFraming = ClientBodyFraming.asReceived
    /// Edits the page as it streams, for arms with `html` edits (see `PageEditing`).
    var pageEditor: PageEditor?

    init(
        clientHead: ClientRequestHead, upstreamHead: ByteBuffer, decision: Decision, pool: UpstreamPool,
        started: NIODeadline
    ) {
        self.clientHead = clientHead
        self.upstreamHead = upstreamHead
        self.decision = decision
        self.pool = pool
        self.started = started
    }
}

/// An admin request while its body arrives.
struct AdminExchange {
    let head: ClientRequestHead
    var body: ByteBuffer
    var tooLarge = false
}
