import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs CPU-bound work (a simulation) on a thread of its own in the idle scheduling class,
/// and awaits it.
///
/// Not on Swift concurrency's cooperative pool, which has one thread per core: work that held
/// one for seconds would starve every other task of the process. And idle, so it takes only
/// CPU time nothing else wants: a server, a test or another program running beside it keeps
/// its pace (a test suite that runs simulations beside socket tests needs both).
public func inBackground<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            #if os(Linux)
                var parameters = sched_param()
                let schedIdle: Int32 = 5  // SCHED_IDLE, which Glibc's module does not export
                _ = pthread_setschedparam(pthread_self(), schedIdle, &parameters)
            #else
                Thread.current.qualityOfService = .background
            #endif
            continuation.resume(returning: work())
        }
        thread.start()
    }
}
