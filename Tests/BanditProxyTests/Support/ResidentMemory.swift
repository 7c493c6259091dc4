import Foundation
import Synchronization

/// Resident memory of a process, from /proc (Linux).
enum ResidentMemory {
    /// VmRSS (now) and VmHWM (the peak), in KiB.
    static func read(pid: Int32) -> (resident: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
        }
        guard let resident = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (resident, peak)
    }

    /// Restarts VmHWM from the current VmRSS (writing 5 to clear_refs, Linux 4.0 on), so the
    /// peak read later is the peak of what happened in between. False where not permitted.
    static func resetPeak(pid: Int32) -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/\(pid)/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
    }
}

/// What a transfer cost: the process's resident memory before it and at its peak, and the
/// furthest the sending end ever got ahead of the receiving end.
struct TransferFigures: Sendable, CustomStringConvertible {
    var baselineKiB: Int
    var peakKiB: Int
    var maxAheadBytes: Int
    var growthKiB: Int { peakKiB - baselineKiB }

    var description: String {
        "resident \(baselineKiB) KiB before, peak \(peakKiB) KiB (+\(growthKiB) KiB); "
            + "sender ahead of receiver by at most \(maxAheadBytes >> 20) MiB"
    }

    /// Runs `work` while sampling every 5 ms the resident memory of `pid` and `ahead()`.
    static func measure<T: Sendable>(
        pid: Int32, ahead: @escaping @Sendable () -> Int, during work: () async throws -> T
    ) async throws -> (T, TransferFigures) {
        guard let baseline = ResidentMemory.read(pid: pid)?.resident else { throw CocoaError(.fileReadNoSuchFile) }
        // The sampler can miss a short spike between samples; the kernel's peak cannot.
        let peakWasReset = ResidentMemory.resetPeak(pid: pid)
        let maxima = Maxima(resident: baseline)
        let sampler = Task {
            while !Task.isCancelled {
                let resident = ResidentMemory.read(pid: pid)?.resident ?? 0
                let lead = ahead()
                maxima.state.withLock { $0 = (max($0.resident, resident), max($0.ahead, lead)) }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        let result: T
        do {
            result = try await work()
        } catch {
            sampler.cancel()
            throw error
        }
        sampler.cancel()
        await sampler.value
        var (peak, lead) = maxima.state.withLock { $0 }
        if peakWasReset, let end = ResidentMemory.read(pid: pid) { peak = max(peak, end.peak) }
        return (result, TransferFigures(baselineKiB: baseline, peakKiB: peak, maxAheadBytes: lead))
    }
}

/// The largest values the sampler has seen.
private final class Maxima: Sendable {
    let state: Mutex<(resident: Int, ahead: Int)>
    init(resident: Int) { state = Mutex((resident, 0)) }
}
