import BanditCore
import Benchmark

/// The signed session cookie: encoded when a session changes, decoded (and its HMAC
/// checked) on every request that carries it.
///
/// Every iteration is one encode or decode; with `.kilo` scaling each value is per operation.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    let codec = SessionCodec(secret: "benchmark-secret-0123456789")
    let oneEntry = SessionState(
        id: "Vq3xT0c9pLmZ2kYd",
        entries: [.init(experiment: "headline", generation: 0, arm: 1, viewed: true)])
    let twoEntries = SessionState(
        id: "Vq3xT0c9pLmZ2kYd",
        entries: [
            .init(experiment: "headline", generation: 0, arm: 1, viewed: true),
            .init(experiment: "cta", generation: 2, arm: 0, viewed: true, converted: true, viewedAtMinute: 29_000_000),
        ])

    for (label, session) in [("one entry", oneEntry), ("two entries", twoEntries)] {
        let encoded = codec.encode(session)
        precondition(codec.decode(encoded[...]) == session, "the codec does not round-trip")

        Benchmark("Encode, \(label)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(codec.encode(session))
            }
        }

        Benchmark("Decode, \(label)") { benchmark in
            // As the engine reads it: a slice of the Cookie header.
            let header = "theme=dark; bandit_session=" + encoded
            let value = header[header.index(header.endIndex, offsetBy: -encoded.count)...]
            for _ in benchmark.scaledIterations {
                blackHole(codec.decode(value))
            }
        }
    }
}
