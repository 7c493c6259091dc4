import BanditCore
import NIOCore

/// One proxied request and its response.
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
    var requestComplete = false
    var responseStarted = false
    var upstreamKeepAlive = true
    var closeClientAfterResponse = false
    var finished = false
    /// The response deadline runs (from the end of the request).
    var responseTimerStarted = false
    /// Any body byte went upstream (such a request is never sent twice).
    var sentBody = false
    var bodyBytes = 0
    /// For metrics and the access log.
    let started: NIODeadline
    var upstreamStarted: NIODeadline?
    /// When the upstream's response head arrived.
    var upstreamAnswered: NIODeadline?
    var status = 0
    var responseBytes = 0
    /// The protocol the client asked to switch to (`Upgrade`), if any.
    var upgrade: String?
    /// The client's response head, not written yet: the body's first bytes may join it.
    var unsentHead: ByteBuffer?
    /// How the response body reaches the client, once its head is known.
    var clientFraming = ClientBodyFraming.asReceived
    var retried = false
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

    /// Whether a failure may be retried once on a fresh connection: the connection was a
    /// reused one, no response byte came back, the whole request is known and has no body,
    /// and the method is idempotent.
    var mayRetry: Bool {
        (connection?.reused ?? false) && !retried && !responseStarted && requestComplete && !sentBody
            && clientHead.method.isIdempotent
    }
}

/// An admin request while its body arrives.
struct AdminExchange {
    let head: ClientRequestHead
    var body: ByteBuffer
    var tooLarge = false
}
