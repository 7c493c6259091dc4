import NIOCore

/// A timeout that is re-armed far more often than it fires: on every request (client idle,
/// upstream response) and every body chunk (a stalled upload).
///
/// Arming only records the deadline. One scheduled check follows it lazily: when the check
/// runs early (the deadline moved on) it reschedules itself for the new deadline. So the
/// event loop's timer heap is touched about once per timeout period rather than twice per
/// request, which a profile showed to be a visible share of a keep-alive request's cost.
/// Loop-bound, like the handler that owns it.
///
/// Its owner is held strongly, not weakly, until `cancel()`: a weakly referenced object moves
/// its reference count to a side table, and every retain and release of a connection's
/// handler then takes the runtime's slow path — a visible share of a request's cost.
final class LazyDeadline {
    private let eventLoop: any EventLoop
    /// Dropped by `cancel()`, which breaks the cycle with the owner it captures.
    private var onExpiry: (() -> Void)?
    private var deadline: NIODeadline?
    private var check: (task: Scheduled<Void>, at: NIODeadline)?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// What to do on expiry; set once the owner it captures is initialised.
    func whenExpired(_ body: @escaping () -> Void) { onExpiry = body }

    var isArmed: Bool { deadline != nil }

    /// Expires `amount` after `now`, unless re-armed or disarmed before.
    func arm(in amount: TimeAmount, from now: NIODeadline) {
        let at = now + amount
        deadline = at
        if let check, check.at <= at { return }  // the pending check will find it
        schedule(at)
    }

    /// Nothing expires; a pending check finds nothing to do.
    func disarm() { deadline = nil }

    /// Disarms, drops the pending check and lets go of the owner (the connection is gone);
    /// the owner must call it when done, or the two keep each other alive.
    func cancel() {
        deadline = nil
        onExpiry = nil
        check?.task.cancel()
        check = nil
    }

    private func schedule(_ at: NIODeadline) {
        check?.task.cancel()
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: at) { () -> Void in
            self.fire()
        }
        check = (task, at)
    }

    private func fire() {
        check = nil
        guard let deadline else { return }
        if deadline <= .now() {
            self.deadline = nil
            onExpiry?()
        } else {
            schedule(deadline)
        }
    }
}
