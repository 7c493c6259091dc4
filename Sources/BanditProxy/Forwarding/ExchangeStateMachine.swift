/// The life of the exchanges on one client connection, as plain values: events in, actions out.
///
/// In the style of SwiftNIO's and postgres-nio's state machines. `ProxyHandler` tells it what
/// happened (a request's head, body and end; the upstream connected, answered, failed; a
/// deadline passed; the client left) and carries out the action it returns; it holds no
/// channel, no buffer and no clock, so a test drives every path without sockets. The rules of
/// an exchange live here: when the counts of its decision are committed or abandoned (once),
/// what becomes of its upstream connection (released, closed or handed to a tunnel, once),
/// when a failed request is sent again, and which failure gets which answer.
///
/// ```
/// idle ─head─► connecting ─connected─► streamingRequest ─end─► awaitingResponse
///   ▲  └─head (redirect)─► redirecting          └───────response head────┴──► streamingResponse
///   │                          │        awaitingResponse ─failed, may retry─► connecting
///   └──────── finish ◄─────────┴─ every state with an exchange ─ 101 ─► tunnelling, client gone ─► closed
/// ```
struct ExchangeStateMachine {
    /// What the machine knows of a request: fixed at its head, then how far it has come.
    struct Request: Equatable {
        /// The client asked to keep the connection open after the response.
        var keepAlive: Bool
        /// Safe to send twice (RFC 9110 §9.2.2).
        var idempotent: Bool
        /// It asked to switch protocols (`Upgrade`).
        var upgrade: Bool
        /// `maxRequestBodyBytes`, if set.
        var maxBodyBytes: Int?
        /// Read to its end.
        var complete = false
        /// Body data bytes read so far.
        var bodyBytes = 0
        /// A body part was read (such a request is never sent twice).
        var sentBody = false
        /// The connection it was sent on had served a request before (it may be a stale keep-alive).
        var connectionReused = false
        /// It was sent again on a fresh connection already.
        var retried = false

        init(keepAlive: Bool, idempotent: Bool, upgrade: Bool, maxBodyBytes: Int?) {
            self.keepAlive = keepAlive
            self.idempotent = idempotent
            self.upgrade = upgrade
            self.maxBodyBytes = maxBodyBytes
        }

        /// A failed reused connection may have been closed by the upstream just as it was
        /// reused: nothing of the request was processed, and an idempotent request without a
        /// body is sent once more on a fresh connection.
        var mayRetry: Bool { connectionReused && !retried && complete && !sentBody && idempotent }

        /// An answer before the whole request was read leaves the rest of it unread: the
        /// connection cannot carry another request.
        var answerCloses: Bool { !complete || !keepAlive }
    }

    /// A response under way; its counts are committed.
    struct Response: Equatable {
        var requestComplete: Bool
        /// The upstream may take another request on the connection after this response.
        var upstreamKeepsAlive: Bool
        /// The client connection closes after this response.
        var closeClient: Bool
    }

    enum State: Equatable {
        /// No exchange: reading the next request head (or answering an admin request, which
        /// counts nothing and needs no upstream).
        case idle
        /// A redirecting arm's request: answered at its end, without the upstream.
        case redirecting(Request)
        /// Waiting for an upstream connection; the body read meanwhile waits with the head.
        case connecting(Request)
        /// Connected; the request body streams upstream.
        case streamingRequest(Request)
        /// The whole request is upstream; the response deadline runs.
        case awaitingResponse(Request)
        /// The response head came and the counts are committed; the body streams to the client
        /// (and what remains of the request to the upstream, if it answered early).
        case streamingResponse(Response)
        /// After `101 Switching Protocols` both connections are a byte tunnel.
        case tunnelling
        /// The client left, or its connection closes after a truncated response.
        case closed
    }

    /// Why the proxy answers instead of the upstream.
    enum Failure: Equatable {
        /// The reader refused the request (400, 431, 501).
        case malformed(WireError)
        /// More body than `maxRequestBodyBytes`, declared or sent (413).
        case bodyTooLarge
        /// The body stopped arriving for `clientIdleSeconds` (408).
        case bodyStalled
        /// Every upstream connection the limit allows stayed busy (503).
        case upstreamBusy
        /// No connection could be made (502).
        case upstreamUnreachable
        /// The connection failed before a response head (502).
        case upstreamClosed
        /// A 101 the client did not ask for, or without the protocol (502).
        case unrequestedSwitch
        /// No response head within `responseSeconds` of the request's end (504).
        case upstreamTimedOut
    }

    /// How an exchange ends; carried out in this order: the upstream connection, the counts, the answer.
    struct Ending: Equatable {
        enum Upstream: Equatable {
            /// No connection is attached.
            case none
            /// Back to its pool, for the next request.
            case release
            case close
            /// Given to the tunnel.
            case handOver
        }

        enum Counts: Equatable {
            /// Nothing pending: committed with the response head, or no decision was made.
            case settled
            case commit(status: Int)
            /// The decision is dropped: its request got no answer from the site.
            case abandon
        }

        enum Reply: Equatable {
            /// The proxied response's end; `close`: the connection closes after it.
            case endOfResponse(close: Bool)
            case errorPage(Failure, close: Bool)
            case redirect(close: Bool)
            /// Write the upstream's 101 and join the two connections.
            case tunnel
            /// Part of the response is out: the connection closes, so that a truncated body
            /// cannot pass for a whole one.
            case closeClient
            /// The client is gone.
            case none
        }

        var upstream: Upstream
        var counts: Counts
        var reply: Reply
    }

    enum Action: Equatable {
        case none
        /// Ask the exchange's pool for a connection; `fresh`: a new one, not an idle one.
        case connect(fresh: Bool)
        /// Send the body part just read upstream, or keep it until connected; more must follow in time.
        case forwardBodyPart
        /// Drop the body part just read (no upstream wants it).
        case dropBodyPart
        /// The connection is the exchange's: send the head and the body that waited.
        /// `awaitResponse`: that was the whole request, start the response deadline.
        case attach(awaitResponse: Bool)
        /// The whole request is sent: start the response deadline.
        case awaitResponse
        /// A connection came when no exchange waits for it (it ended while connecting): back to its pool.
        case returnConnection
        /// The reused connection failed before answering: let it go and ask for a fresh one.
        case retry
        /// An interim (1xx) response: pass it on and keep waiting.
        case relayInterimResponse
        /// Commit the counts with the response's status and write its head.
        case forwardResponseHead(commitStatus: Int, closeClient: Bool)
        case finish(Ending)
    }

    private(set) var state = State.idle

    // MARK: the request

    /// A proxied request's head was read and decided; `redirects`: its arm answers with a redirect.
    mutating func exchangeBegan(_ request: Request, redirects: Bool) -> Action {
        guard case .idle = state else { preconditionFailure("an exchange began during another: \(state)") }
        if redirects {
            state = .redirecting(request)
            return .none
        }
        state = .connecting(request)
        return .connect(fresh: false)
    }

    mutating func requestBodyReceived(dataBytes: Int) -> Action {
        switch state {
        case .connecting(var request), .streamingRequest(var request):
            request.readBody(dataBytes)
            if request.exceedsBodyLimit {
                return finish(upstream: attachedConnection, counts: .abandon, .errorPage(.bodyTooLarge, close: true))
            }
            state = if case .connecting = state { .connecting(request) } else { .streamingRequest(request) }
            return .forwardBodyPart
        case .streamingResponse(let response) where !response.requestComplete:
            return .forwardBodyPart  // the upstream answered early; it reads the rest as it likes
        case .idle, .redirecting, .awaitingResponse, .streamingResponse, .tunnelling, .closed:
            return .dropBodyPart
        }
    }

    mutating func requestEnded() -> Action {
        switch state {
        case .redirecting(let request):
            return finish(upstream: .none, counts: .commit(status: 302), .redirect(close: !request.keepAlive))
        case .connecting(var request):
            request.complete = true
            state = .connecting(request)
            return .none
        case .streamingRequest(var request):
            request.complete = true
            state = .awaitingResponse(request)
            return .awaitResponse
        case .streamingResponse(var response):
            response.requestComplete = true
            state = .streamingResponse(response)
            return .none
        case .idle, .awaitingResponse, .tunnelling, .closed:
            return .none
        }
    }

    /// The request cannot be served: the reader refused it, or its declared body is too large.
    mutating func requestRefused(_ failure: Failure) -> Action {
        switch state {
        case .idle:
            return finish(upstream: .none, counts: .settled, .errorPage(failure, close: true))
        case .redirecting, .connecting, .streamingRequest, .awaitingResponse:
            return finish(upstream: attachedConnection, counts: .abandon, .errorPage(failure, close: true))
        case .streamingResponse:
            return finish(upstream: .close, counts: .settled, .closeClient)
        case .tunnelling, .closed:
            return .none
        }
    }

    // MARK: the upstream

    mutating func upstreamConnected(reused: Bool) -> Action {
        guard case .connecting(var request) = state else { return .returnConnection }
        request.connectionReused = reused
        state = request.complete ? .awaitingResponse(request) : .streamingRequest(request)
        return .attach(awaitResponse: request.complete)
    }

    /// The pool had no connection to give in time (`busy`), or could not connect.
    mutating func upstreamUnavailable(busy: Bool) -> Action {
        guard case .connecting(let request) = state else { return .none }
        let failure = busy ? Failure.upstreamBusy : .upstreamUnreachable
        return finish(upstream: .none, counts: .abandon, .errorPage(failure, close: request.answerCloses))
    }

    /// A 1xx other than 101.
    mutating func interimResponseReceived() -> Action {
        switch state {
        case .streamingRequest, .awaitingResponse: .relayInterimResponse
        default: .none
        }
    }

    /// A 101; `namesProtocol`: it says which (`Upgrade`).
    mutating func switchingProtocolsReceived(namesProtocol: Bool) -> Action {
        switch state {
        case .streamingRequest(let request), .awaitingResponse(let request):
            guard request.upgrade && namesProtocol else {
                // What follows on that connection is no longer HTTP: it is closed, not pooled.
                return finish(
                    upstream: .close, counts: .abandon, .errorPage(.unrequestedSwitch, close: request.answerCloses))
            }
            return finish(upstream: .handOver, counts: .commit(status: 101), .tunnel)
        default:
            return .none
        }
    }

    /// A final response head; `bodyEndsWithClose`: the client learns the body's end only by the close.
    mutating func responseHeadReceived(status: Int, upstreamKeepsAlive: Bool, bodyEndsWithClose: Bool) -> Action {
        switch state {
        case .streamingRequest(let request), .awaitingResponse(let request):
            // After an upgrade request the readers of both connections stop at its end (what
            // follows would have been the new protocol): a declined upgrade ends both connections.
            let closeClient = !request.keepAlive || !request.complete || request.upgrade || bodyEndsWithClose
            state = .streamingResponse(
                Response(
                    requestComplete: request.complete, upstreamKeepsAlive: upstreamKeepsAlive && !request.upgrade,
                    closeClient: closeClient))
            return .forwardResponseHead(commitStatus: status, closeClient: closeClient)
        default:
            return .none
        }
    }

    mutating func responseEnded() -> Action {
        guard case .streamingResponse(let response) = state else { return .none }
        // A connection whose request was not all sent is in the middle of a request: not reusable.
        let reusable = response.requestComplete && response.upstreamKeepsAlive
        return finish(
            upstream: reusable ? .release : .close, counts: .settled, .endOfResponse(close: response.closeClient))
    }

    mutating func upstreamFailed() -> Action {
        switch state {
        case .awaitingResponse(var request) where request.mayRetry:
            request.retried = true
            request.connectionReused = false
            state = .connecting(request)
            return .retry
        case .streamingRequest(let request), .awaitingResponse(let request):
            return finish(upstream: .close, counts: .abandon, .errorPage(.upstreamClosed, close: request.answerCloses))
        case .streamingResponse:
            return finish(upstream: .close, counts: .settled, .closeClient)
        case .idle, .redirecting, .connecting, .tunnelling, .closed:
            return .none
        }
    }

    // MARK: deadlines and the client

    /// The response deadline passed.
    mutating func responseTimedOut() -> Action {
        guard case .awaitingResponse(let request) = state else { return .none }
        return finish(upstream: .close, counts: .abandon, .errorPage(.upstreamTimedOut, close: request.answerCloses))
    }

    /// The request body deadline passed.
    mutating func bodyStalled() -> Action {
        switch state {
        case .redirecting(let request) where !request.complete, .connecting(let request) where !request.complete,
            .streamingRequest(let request):
            return finish(upstream: attachedConnection, counts: .abandon, .errorPage(.bodyStalled, close: true))
        case .streamingResponse(let response) where !response.requestComplete:
            return finish(upstream: .close, counts: .settled, .closeClient)
        default:
            return .none
        }
    }

    /// The client connection closed.
    mutating func clientClosed() -> Action {
        switch state {
        case .redirecting, .connecting, .streamingRequest, .awaitingResponse:
            return finish(upstream: attachedConnection, counts: .abandon, .none)
        case .streamingResponse:
            return finish(upstream: .close, counts: .settled, .none)
        case .idle, .tunnelling, .closed:
            state = .closed
            return .none
        }
    }

    // MARK: queries

    /// Where the body being read goes: client reads wait while it cannot go on.
    enum RequestBodyDestination: Equatable {
        /// Nowhere upstream: no exchange, its request is read, or no upstream wants it.
        case none
        /// The connection being made: reads wait for it.
        case pendingConnection
        /// The connection: reads go as fast as it takes the bytes.
        case connection
    }

    var requestBodyDestination: RequestBodyDestination {
        switch state {
        case .connecting(let request) where !request.complete: .pendingConnection
        case .streamingRequest: .connection
        case .streamingResponse(let response) where !response.requestComplete: .connection
        default: .none
        }
    }

    // MARK: -

    /// What an exchange ended early does with its upstream connection: closes it, if one is
    /// attached (a request or a response may be half through it).
    private var attachedConnection: Ending.Upstream {
        switch state {
        case .streamingRequest, .awaitingResponse, .streamingResponse: .close
        case .idle, .redirecting, .connecting, .tunnelling, .closed: .none
        }
    }

    /// Ends the exchange: the state after follows from the reply.
    private mutating func finish(upstream: Ending.Upstream, counts: Ending.Counts, _ reply: Ending.Reply) -> Action {
        switch reply {
        case .endOfResponse, .errorPage, .redirect: state = .idle
        case .tunnel: state = .tunnelling
        case .closeClient, .none: state = .closed
        }
        return .finish(Ending(upstream: upstream, counts: counts, reply: reply))
    }
}

extension ExchangeStateMachine.Request {
    fileprivate mutating func readBody(_ dataBytes: Int) {
        sentBody = true
        bodyBytes += dataBytes
    }

    fileprivate var exceedsBodyLimit: Bool { maxBodyBytes.map { bodyBytes > $0 } ?? false }
}
