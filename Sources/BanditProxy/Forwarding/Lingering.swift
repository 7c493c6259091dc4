import NIOCore

/// How long, and how much, a closing connection keeps reading what the client still sends
/// (see `ProxyHandler.linger`): enough for a client to finish sending a refused upload and
/// read the answer, not enough to become a way of holding connections open.
struct Lingering {
    /// nginx's `lingering_time` is 30 s; a refused request rarely needs more than a moment.
    static let time = TimeAmount.seconds(5)
    static let maxBytes = 8 * 1024 * 1024
    private var discarded = 0
    /// The close at the end of `time`, cancelled if the connection closes first.
    let deadline: Scheduled<Void>

    init(deadline: Scheduled<Void>) { self.deadline = deadline }

    enum Verdict { case more, enough }

    mutating func discard(_ bytes: Int) -> Verdict {
        discarded += bytes
        return discarded >= Self.maxBytes ? .enough : .more
    }
}
