import BanditCore
import Synchronization

@testable import BanditStore

/// A MemoryStore that several keepers share as several instances share PostgreSQL, with
/// writes that fail on demand and gates that hold a write or a read until the test opens them.
final class SharedTestStore: StateStore {
    let inner = MemoryStore()
    let failing = Mutex(false)
    let writeGate = Gate()
    let loadGate = Gate()
    let writeTimes = Mutex<[ContinuousClock.Instant]>([])
    let shared: Bool

    init(shared: Bool = true) { self.shared = shared }

    var isShared: Bool { shared }

    func load() async throws -> StoredState {
        await loadGate.pass()
        if failing.withLock({ $0 }) { throw StoreError("database unreachable") }
        return try await inner.load()
    }

    func write(_ batch: StoreBatch) async throws {
        writeTimes.withLock { $0.append(.now) }
        await writeGate.pass()
        if failing.withLock({ $0 }) { throw StoreError("database unreachable") }
        try await inner.write(batch)
    }

    func history(experiment: String) async throws -> [ArchivedVersion] {
        try await inner.history(experiment: experiment)
    }
    func series(experiment: String) async throws -> [SeriesPoint] { try await inner.series(experiment: experiment) }
    func sessionSecret(storingIfAbsent candidate: String) async throws -> String {
        try await inner.sessionSecret(storingIfAbsent: candidate)
    }
    func close() async {}
}

/// Holds whoever passes while closed, until `open()`.
final class Gate: Sendable {
    private let state = Mutex<(closed: Bool, held: [CheckedContinuation<Void, Never>])>((false, []))

    func close() { state.withLock { $0.closed = true } }

    func open() {
        let held = state.withLock { state in
            defer { state = (false, []) }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }

    var holding: Int { state.withLock { $0.held.count } }

    func pass() async {
        await withCheckedContinuation { continuation in
            let hold = state.withLock { state in
                if state.closed { state.held.append(continuation) }
                return state.closed
            }
            if !hold { continuation.resume() }
        }
    }

    /// Waits (briefly) until someone is held.
    func waitUntilHolding() async throws {
        for _ in 0..<500 where holding == 0 { try await Task.sleep(for: .milliseconds(2)) }
    }
}
