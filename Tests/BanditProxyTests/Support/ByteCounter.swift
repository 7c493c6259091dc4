import Synchronization

/// A count shared between event loops and the test (bytes sent, received, stalls).
final class ByteCounter: Sendable {
    private let atomic = Atomic<Int>(0)

    func add(_ amount: Int) { atomic.add(amount, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}
