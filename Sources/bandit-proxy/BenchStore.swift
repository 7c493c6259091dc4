import ArgumentParser
import BanditCore
import BanditStore
import Foundation
import Logging

/// `bandit-proxy bench-store --storage URL`: how many batches a store absorbs per second.
///
/// Runs the keeper's own flush, as the proxy does every `flushIntervalMs`, back to back: each
/// batch adds `--events` counted events spread over every arm of `--experiments` experiments,
/// which the store writes as one increment per arm, whatever the number of events. On a
/// shared store (PostgreSQL) each flush also reads every count back, as in a fleet. Hidden:
/// it is a measuring tool, and it writes its own experiments (`bench_…`) into the store.
struct BenchStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store", abstract: "Measure how many counting batches a store absorbs per second.",
        shouldDisplay: false)

    @Option(help: "An SQLite file path, a postgres:// URL or :memory:.") var storage: String
    @Option(help: "How long to measure.") var seconds: Double = 10
    @Option(help: "Experiments in each batch.") var experiments: Int = 3
    @Option(help: "Arms per experiment.") var arms: Int = 3
    @Option(help: "Counted events (views; a tenth also convert) in each batch.") var events: Int = 900

    func validate() throws {
        guard seconds > 0, experiments > 0, arms > 1, events > 0 else {
            throw ValidationError("seconds, experiments and events must be positive and arms at least 2")
        }
    }

    func run() async throws {
        var logger = Logger(label: "bench-store")
        logger.logLevel = .error
        let store: any StateStore
        if storage == ":memory:" {
            store = MemoryStore()
        } else if PostgresURL.isPostgres(storage) {
            store = try await PostgresStore.open(url: storage, logger: logger)
        } else {
            store = try await SQLiteStore.open(path: storage, logger: logger)
        }
        let run = UUID().uuidString.prefix(8).lowercased()
        let config = ProxyConfig(
            upstream: UpstreamURL(host: "127.0.0.1", port: 1),
            experiments: (0..<experiments).map { number in
                ExperimentConfig(
                    name: "bench_\(run)_\(number)", source: PathPattern("/\(number)"),
                    target: PathPattern("/\(number)/done"), arms: (0..<arms).map { "arm\($0)" },
                    minViews: 1_000_000_000)
            })
        let keeper = StateKeeper(
            engine: ExperimentEngine(config: config, secret: "bench-secret-0123456789"), store: store, logger: logger)
        try await keeper.restore()
        _ = await keeper.flush()  // the experiments' first states, not part of the measurement

        let perArm = max(1, events / (experiments * arms))
        var latencies: [Duration] = []
        let clock = ContinuousClock()
        let started = clock.now
        while clock.now - started < .seconds(seconds) {
            for experiment in keeper.engine.experiments {
                for arm in 0..<arms {
                    experiment.add(arm: arm, assignments: perArm, views: perArm, conversions: perArm / 10)
                }
            }
            let before = clock.now
            guard await keeper.flush() else {
                await store.close()
                throw ValidationError("a write failed: \(keeper.health ?? "unknown")")
            }
            latencies.append(clock.now - before)
        }
        let elapsed = clock.now - started
        await store.close()
        report(
            latencies: latencies, elapsed: elapsed, eventsPerBatch: perArm * experiments * arms, shared: store.isShared)
    }

    private func report(latencies: [Duration], elapsed: Duration, eventsPerBatch: Int, shared: Bool) {
        let sorted = latencies.sorted()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let batchesPerSecond = Double(sorted.count) / seconds
        func milliseconds(_ quantile: Double) -> String {
            let duration = sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))]
            let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
            return String(format: "%.2f ms", value)
        }
        let rows = experiments * arms
        print("store: \(storageDescription) (\(shared ? "shared: each flush also reads every count back" : "local"))")
        print(
            "\(sorted.count) batches in \(String(format: "%.1f", seconds)) s: \(String(format: "%.0f", batchesPerSecond)) batches/s, \(String(format: "%.0f", batchesPerSecond * Double(rows))) arm increments/s (\(experiments) experiments × \(arms) arms per batch)"
        )
        print("flush latency: median \(milliseconds(0.5)), p99 \(milliseconds(0.99))")
        print(
            "events absorbed/s: \(String(format: "%.0f", batchesPerSecond * Double(eventsPerBatch))) at \(eventsPerBatch) events per batch"
        )
        for size in [100, 10_000] where size != eventsPerBatch {
            print(
                "  at \(size) events per batch: \(String(format: "%.0f", batchesPerSecond * Double(size)))/s (a batch costs the same)"
            )
        }
    }

    /// The storage without a password.
    private var storageDescription: String {
        if case .success(let url) = PostgresURL.parse(storage) { return url.description }
        return storage
    }
}
