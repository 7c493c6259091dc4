import Logging
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresClient {
    /// `withConnection`, giving up when the pool has no connection within `timeout`, and
    /// returning as soon as the connection closes under `body`.
    ///
    /// Only the wait for a connection is bounded: once `body` has a connection it runs to
    /// its end or to the connection's end, since abandoning a transaction on a live
    /// connection would leave unknown whether it committed. (The pool itself waits up to a
    /// minute, during which health would say nothing.)
    func withConnection<Value: Sendable>(
        within timeout: Duration, watch: ConnectionWatch,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let race = LeaseRace.Box()
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                try await self.withConnection { connection in
                    guard race.settle(as: .leased) else { throw NoConnection() }
                    return try await watch.untilClosed(connection, body)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if race.settle(as: .gaveUp) { throw NoConnection() }
                return nil
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw NoConnection()
        }
    }

    struct NoConnection: Error {}
}

extension PostgresConnection {
    /// BEGIN … COMMIT, noting in `progress` when COMMIT is sent: a connection lost after
    /// that point leaves the outcome unknown, before it the server rolls back.
    func transaction<Value: Sendable>(
        logger: Logger, progress: TransactionProgress? = nil,
        _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        try await query("BEGIN", logger: logger)
        let value: Value
        do {
            value = try await body(self)
        } catch {
            _ = try? await query("ROLLBACK", logger: logger)
            throw error
        }
        progress?.commitSent()
        try await query("COMMIT", logger: logger)
        return value
    }
}

/// Runs operations on pooled connections and ends them with `ConnectionLost` as soon as
/// their connection closes.
///
/// postgres-nio 1.33.2 can leave a query waiting forever when its connection closes under
/// it (vapor/postgres-nio#487 fixed that and was reverted in #501); a flush stuck there
/// would stop all writes and even shutdown. So each operation runs in a task of its own: if
/// the connection closes first, the caller goes on and that task is abandoned to the
/// library, holding nothing but the closed connection. One close callback per connection,
/// not per operation: a connection used every second lives for days.
final class ConnectionWatch: Sendable {
    private struct Watched {
        let connection: PostgresConnection
        var operation: Int
        var onLost: (@Sendable () -> Void)?
    }

    private let watched = Mutex<(next: Int, byConnection: [ObjectIdentifier: Watched])>((0, [:]))

    func untilClosed<Value: Sendable>(
        _ connection: PostgresConnection, _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let key = ObjectIdentifier(connection)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let once = ResumeOnce(continuation)
            let (operation, isNew) = watched.withLock { state in
                state.next += 1
                let isNew = state.byConnection[key] == nil
                state.byConnection[key] = Watched(
                    connection: connection, operation: state.next,
                    onLost: { once.resume(with: .failure(ConnectionLost())) })
                return (state.next, isNew)
            }
            if isNew {
                connection.closeFuture.whenComplete { [self] _ in
                    watched.withLock { $0.byConnection.removeValue(forKey: key) }?.onLost?()
                }
            }
            Task {
                let result: Result<Value, any Error>
                do {
                    result = .success(try await body(connection))
                } catch {
                    result = .failure(error)
                }
                watched.withLock { state in
                    if state.byConnection[key]?.operation == operation { state.byConnection[key]?.onLost = nil }
                }
                once.resume(with: result)
            }
        }
    }
}

/// The connection closed while a query was waiting for its answer.
struct ConnectionLost: Error, CustomStringConvertible {
    var description: String { "the connection was lost" }
}

/// Whether a transaction's COMMIT has been sent, readable by whoever watches it fail.
final class TransactionProgress: Sendable {
    private let sent = Mutex(false)
    func commitSent() { sent.withLock { $0 = true } }
    var isCommitSent: Bool { sent.withLock { $0 } }
}

/// Resumes a continuation once, whoever comes first.
private final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) { self.continuation = Mutex(continuation) }

    func resume(with result: Result<Value, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}

/// Who won between a leased connection and the deadline: exactly one of them.
enum LeaseRace: Sendable {
    case waiting, leased, gaveUp

    final class Box: Sendable {
        private let state = Mutex(LeaseRace.waiting)

        /// True for the first caller only.
        func settle(as outcome: LeaseRace) -> Bool {
            state.withLock { state in
                guard state == .waiting else { return false }
                state = outcome
                return true
            }
        }
    }
}
