/// How long the keeper waits before its next flush: the flush interval while writes succeed,
/// doubling after each failure up to `maximum`, so an unreachable database is not asked
/// again every tick for as long as it is down. One success returns to the interval.
public struct RetryBackoff: Sendable, Equatable {
    public let interval: Duration
    public let maximum: Duration
    public private(set) var failures = 0

    public init(interval: Duration, maximum: Duration = .seconds(30)) {
        self.interval = interval
        // A flush interval longer than the cap is never shortened by a failure.
        self.maximum = max(maximum, interval)
    }

    public var delay: Duration {
        var delay = interval
        for _ in 0..<failures where delay < maximum { delay *= 2 }
        return min(delay, maximum)
    }

    public mutating func record(success: Bool) {
        failures = success ? 0 : failures + 1
    }
}
