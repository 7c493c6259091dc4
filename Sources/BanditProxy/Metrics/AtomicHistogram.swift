import NIOCore
import Synchronization

/// A Prometheus histogram of durations whose `record` is a few relaxed atomic adds: no lock,
/// no allocation, so every event loop can record on the hot path without contending.
///
/// (swift-prometheus' own `DurationHistogram` takes a lock per observation.) Buckets are kept
/// non-cumulative and summed when rendered; `_count` is the sum of the buckets, so it always
/// equals the `+Inf` bucket even while observations land during a scrape.
final class AtomicHistogram: Sendable {
    let name: String
    let help: String
    /// Upper bounds in nanoseconds, ascending.
    private let bounds: [Int64]
    /// One cell per bound, plus one for observations above the last bound.
    private let cells: [Cell]
    private let sumNanoseconds = Atomic<Int64>(0)

    private final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }

    init(name: String, help: String, buckets: [Duration]) {
        self.name = name
        self.help = help
        bounds = buckets.map(AtomicHistogram.nanoseconds).sorted()
        cells = (0...buckets.count).map { _ in Cell() }
    }

    /// Takes NIO's `TimeAmount` (nanoseconds in an Int64), as the event loop measures it: a
    /// `Duration` would cost two 128-bit conversions per observation on the hot path.
    func record(_ duration: TimeAmount) {
        let value = max(0, duration.nanoseconds)
        var index = 0
        while index < bounds.count && bounds[index] < value { index += 1 }
        // Wrapping adds: one locked instruction each (a checked add is a compare-and-swap
        // loop); the sum wraps after 292 years of request time.
        cells[index].value.wrappingAdd(1, ordering: .relaxed)
        sumNanoseconds.wrappingAdd(value, ordering: .relaxed)
    }

    /// Observations so far (the `_count`).
    var count: Int { cells.reduce(0) { $0 + $1.value.load(ordering: .relaxed) } }

    /// The family in the Prometheus text format: HELP, TYPE, cumulative buckets, sum, count.
    func render(into text: inout String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += cells[index].value.load(ordering: .relaxed)
            text += "\(name)_bucket{le=\"\(PrometheusText.number(Double(bound) / 1e9))\"} \(cumulative)\n"
        }
        cumulative += cells[bounds.count].value.load(ordering: .relaxed)
        text += "\(name)_bucket{le=\"+Inf\"} \(cumulative)\n"
        let sum = Double(sumNanoseconds.load(ordering: .relaxed)) / 1e9
        text += "\(name)_sum \(PrometheusText.number(sum))\n\(name)_count \(cumulative)\n"
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        // ±285 years: far beyond any request, and the product cannot overflow.
        let clamped = min(max(seconds, -9_000_000_000), 9_000_000_000)
        return clamped * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
