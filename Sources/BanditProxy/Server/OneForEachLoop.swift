import NIOCore

/// One value for each event loop of `group`, made on its loop and bound to it (per-loop
/// state such as an upstream pool: reached without a lock by the connections of that loop).
func oneForEachLoop<Value>(
    of group: any EventLoopGroup, _ make: @escaping @Sendable (any EventLoop) -> Value
) async throws -> [ObjectIdentifier: NIOLoopBound<Value>] {
    var values: [ObjectIdentifier: NIOLoopBound<Value>] = [:]
    for loop in group.makeIterator() {
        values[ObjectIdentifier(loop)] = try await loop.submit { NIOLoopBound(make(loop), eventLoop: loop) }.get()
    }
    return values
}
