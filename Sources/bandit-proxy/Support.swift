import Dispatch
import Foundation
import Logging
import Synchronization

func printError(_ message: String) {
    var standardError = StandardError()
    print(message, to: &standardError)
}

/// Prints to standard output at once, unbuffered: `print` into a file or a pipe (`demo >
/// demo.log`, systemd's journal) would hold its lines in a block until exit.
func printNow(_ message: String) {
    var standardOutput = StandardOutput()
    print(message, to: &standardOutput)
}

struct StandardOutput: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardOutput.write(Data(string.utf8)) }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}

enum LogSetup {
    static func make(level: String) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level) ?? .info
            return handler
        }
        return Logger(label: "bandit-proxy")
    }
}

enum Signals {
    /// Suspends until SIGTERM or SIGINT arrives; returns its name.
    static func waitForTermination() async -> String {
        await withCheckedContinuation { continuation in
            let once = Once(continuation)
            for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { once.resume(name) }
                source.resume()
                Retained.sources.append(source)
            }
        }
    }

    /// Every SIGHUP from now on, in order.
    static func hangups() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        Retained.sources.append(source)
        return stream
    }

    private final class Once: Sendable {
        private let continuation: Mutex<CheckedContinuation<String, Never>?>
        init(_ continuation: CheckedContinuation<String, Never>) { self.continuation = Mutex(continuation) }
        func resume(_ value: String) {
            continuation.withLock {
                $0?.resume(returning: value)
                $0 = nil
            }
        }
    }

    /// Signal sources live as long as the process.
    private enum Retained {
        nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
    }
}
