import BanditCore
import Foundation
import Synchronization

/// One line per request on standard output, as text or JSON (`"accessLog"` in proxy.json).
///
/// Event loops only append to a buffer under a short lock; a background queue writes it
/// out every quarter second (or sooner when it grows), so a slow stdout never stalls a
/// request. Lines can be lost only if the process is killed with them still buffered.
final class AccessLog: Sendable {
    struct Entry {
        var client: String
        var method: String
        var uri: String
        var status: Int
        var bytes: Int
        var duration: Duration
        var upstreamDuration: Duration?
        /// With the probability each arm assigned on this request had.
        var arms: [ServedArm]
    }

    private let format: AccessLogFormat
    private let buffer = Mutex<[UInt8]>([])
    private let queue = DispatchQueue(label: "bandit-proxy.access-log")
    private let flushScheduled = Mutex(false)

    init(format: AccessLogFormat) { self.format = format }

    var isEnabled: Bool { format != .off }

    func record(_ entry: Entry) {
        guard format != .off else { return }
        let line = format == .json ? json(entry) : text(entry)
        let size = buffer.withLock { buffer in
            buffer.append(contentsOf: line.utf8)
            buffer.append(0x0A)
            return buffer.count
        }
        scheduleFlush(soon: size > 64 * 1024)
    }

    /// Writes whatever is buffered (also called at shutdown).
    func flush() {
        let bytes = buffer.withLock { buffer in
            let taken = buffer
            buffer.removeAll(keepingCapacity: true)
            return taken
        }
        flushScheduled.withLock { $0 = false }
        if !bytes.isEmpty { FileHandle.standardOutput.write(Data(bytes)) }
    }

    private func scheduleFlush(soon: Bool) {
        let alreadyScheduled = flushScheduled.withLock { scheduled in
            defer { scheduled = true }
            return scheduled
        }
        if soon {
            queue.async { self.flush() }
        } else if !alreadyScheduled {
            queue.asyncAfter(deadline: .now() + .milliseconds(250)) { self.flush() }
        }
    }

    private func seconds(_ duration: Duration?) -> String {
        guard let duration else { return "-" }
        let (seconds, attoseconds) = duration.components
        return String(format: "%.3f", Double(seconds) + Double(attoseconds) / 1e18)
    }

    private func timestamp() -> String {
        Date().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// `client - - [time] "METHOD uri" status bytes duration upstream experiment=arm,…`
    private func text(_ entry: Entry) -> String {
        let arms = entry.arms.isEmpty ? "-" : entry.arms.map { "\($0.experiment)=\($0.arm)" }.joined(separator: ",")
        return
            "\(entry.client) - - [\(timestamp())] \"\(entry.method) \(entry.uri)\" \(entry.status) \(entry.bytes) "
            + "\(seconds(entry.duration)) \(seconds(entry.upstreamDuration)) \(arms)"
    }

    private func json(_ entry: Entry) -> String {
        var object: [String: Any] = [
            "time": timestamp(), "client": entry.client, "method": entry.method, "uri": entry.uri,
            "status": entry.status, "bytes": entry.bytes, "duration": Double(seconds(entry.duration)) ?? 0,
            "arms": Dictionary(entry.arms.map { ($0.experiment, $0.arm) }, uniquingKeysWith: { first, _ in first }),
        ]
        if let upstream = entry.upstreamDuration { object["upstream"] = Double(seconds(upstream)) ?? 0 }
        let propensities = entry.arms.compactMap { arm in
            arm.propensity.map { (arm.experiment, ($0 * 1e6).rounded() / 1e6) }
        }
        if !propensities.isEmpty {
            object["propensities"] = Dictionary(propensities, uniquingKeysWith: { first, _ in first })
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
