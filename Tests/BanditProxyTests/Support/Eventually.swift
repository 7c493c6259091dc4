/// Waits until `condition` holds, checking every 10 ms, for at most `limit` (generous: a busy
/// machine is slow, and a wait that holds early costs nothing). Returns whether it held; the
/// caller asserts what it waited for, with its own message.
@discardableResult
func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
