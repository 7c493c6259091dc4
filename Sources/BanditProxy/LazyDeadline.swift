import NIOCore

/// A timeout that is re-armed far more often than it fires: on every request (client idle,
/// upstream response) and every body chunk (a stalled upload).
///
/// Arming only records the deadline. One scheduled check follows it lazily: when the check
/// runs early (the deadline moved on) it reschedules itself for the new deadline. So the
/// event loop's timer heap is touched about once per timeout period rather than twice per
/// request, which a profile showed to be a visible share of a keep-alive request's cost.
/// Loop-bound, like the handler that owns it.
final class LazyDeadline {
    private let eventLoop: any EventLoop
    private let onExpiry: () -> Void
    private var deadline: NIODeadline?
    private var check: (task: Scheduled<Void>, at: NIODeadline)?

    init(eventLoop: any EventLoop, onExpiry: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.onExpiry = onExpiry
    }

    var isArmed: Bool { deadline != nil }

    /// Expires `amount` from now, unless re-armed or disarmed before.
    func arm(in amount: TimeAmount) {
        let at = NIODeadline.now() + amount
        deadline = at
        if let check, check.at <= at { return }  // the pending check will find it
        schedule(at)
    }

    /// Nothing expires; a pending check finds nothing to do.
    func disarm() { deadline = nil }

    /// Disarms and drops the pending check (the connection is gone).
    func cancel() {
        deadline = nil
        check?.task.cancel()
        check = nil
    }

    private func schedule(_ at: NIODeadline) {
        check?.task.cancel()
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: at) { [weak self] () -> Void in
            self?.fire()
        }
        check = (task, at)
    }

    private func fire() {
        check = nil
        guard let deadline else { return }
        if deadline <= .now() {
            self.deadline = nil
            onExpiry()
        } else {
            schedule(deadline)
        }
    }
}
