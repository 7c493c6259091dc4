import NIOCore

/// The order of requests on one client connection.
///
/// HTTP/1.1 lets a client send its next request before the previous response has ended
/// (pipelining), and responses must go out in request order: what arrives meanwhile waits
/// here and is served once the response is out. Reading goes on while a response is out
/// (pausing and resuming reads per request would cost two `epoll_ctl` calls each); reads
/// pause only while something waits, which bounds the queue to what one read brought.
struct PipelinedRequests {
    enum Item {
        case part(ClientRequestReader.Event)
        /// The reader refused what followed: answered with an error page, in turn.
        case malformed(WireError)
    }

    private var waiting = CircularBuffer<Item>()
    /// From a request's head until its response has been written.
    private(set) var responding = false
    /// The current request has been read to its end: what follows is the next request.
    private(set) var requestRead = false
    /// The server is shutting down: close once the current response is out.
    var quiescing = false
    /// The client half-closed: close once everything it sent is answered.
    var clientFinishedSending = false

    var isWaiting: Bool { !waiting.isEmpty }

    /// An arriving item waits when earlier ones do, or when it belongs to a request after
    /// the one being answered.
    var mustWait: Bool { isWaiting || (responding && requestRead) }

    mutating func wait(_ item: Item) { waiting.append(item) }

    /// The next waiting item, once it may be served.
    mutating func next() -> Item? {
        responding && requestRead ? nil : waiting.popFirst()
    }

    mutating func requestBegan() {
        responding = true
        requestRead = false
    }

    mutating func requestEnded() { requestRead = true }

    mutating func responseEnded() { responding = false }

    /// The connection is closing: nothing waiting will be served.
    mutating func dropWaiting() { waiting.removeAll() }
}
