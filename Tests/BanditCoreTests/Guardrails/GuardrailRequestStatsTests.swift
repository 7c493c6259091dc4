import Testing

@testable import BanditCore

/// Per-arm request counters and their latency histogram.
@Suite struct GuardrailRequestStatsTests {
    static let millisecond: Int64 = 1_000_000

    // MARK: buckets

    @Test func everyLatencyFallsInsideItsBucket() {
        var latency: Int64 = 1
        var previousIndex = 0
        while latency < 1 << 40 {
            for value in [latency - 1, latency, latency + latency / 3] {
                let index = LatencyBuckets.index(nanoseconds: value)
                #expect(LatencyBuckets.lowerBound(index) <= value)
                if let upper = LatencyBuckets.upperBound(index) { #expect(value < upper) }
            }
            let index = LatencyBuckets.index(nanoseconds: latency)
            #expect(index >= previousIndex)
            previousIndex = index
            latency = latency * 9 / 8 + 1
        }
        #expect(LatencyBuckets.index(nanoseconds: -5) == 0)
        #expect(LatencyBuckets.index(nanoseconds: .max) == LatencyBuckets.count - 1)
    }

    @Test func bucketsAreContiguousAndAtMostAQuarterWide() {
        for index in 1..<(LatencyBuckets.count - 1) {
            let lower = LatencyBuckets.lowerBound(index)
            let upper = LatencyBuckets.upperBound(index)!
            #expect(LatencyBuckets.upperBound(index - 1) == lower)
            #expect(upper - lower <= lower / 4)
            #expect(LatencyBuckets.index(nanoseconds: lower) == index)
            #expect(LatencyBuckets.index(nanoseconds: upper - 1) == index)
        }
        #expect(LatencyBuckets.upperBound(LatencyBuckets.count - 1) == nil)
    }

    // MARK: percentiles

    @Test func percentilesOfSpreadLatenciesAreClose() {
        // 1 ms to 1,000 ms, one request each: p50 = 500 ms, p95 = 950 ms. Interpolation lands
        // within 1% where the bucket is full (470–537 ms) and within 2% in 940–1074 ms, which
        // the latencies fill only up to 1,000.
        let stats = ArmRequestStats()
        for ms in 1...1_000 {
            stats.record(status: 200, latencyNanoseconds: Int64(ms) * Self.millisecond, slowNanoseconds: nil)
        }
        let snapshot = stats.snapshot
        #expect(snapshot.requests == 1_000)
        #expect(abs(snapshot.p50Milliseconds! - 500) < 5)
        #expect(abs(snapshot.p95Milliseconds! - 950) < 19)
    }

    @Test func percentilesOfOneLatencyStayInItsBucket() {
        // Every request at 100 ms: the percentiles are interpolated inside 100 ms's bucket, so
        // they are off by less than its width (a quarter of its lower bound at most).
        let stats = ArmRequestStats()
        for _ in 0..<200 { stats.record(status: 200, latencyNanoseconds: 100 * Self.millisecond, slowNanoseconds: nil) }
        let index = LatencyBuckets.index(nanoseconds: 100 * Self.millisecond)
        let lower = Double(LatencyBuckets.lowerBound(index)) / 1e6
        let upper = Double(LatencyBuckets.upperBound(index)!) / 1e6
        for percentile in [stats.snapshot.p50Milliseconds!, stats.snapshot.p95Milliseconds!] {
            #expect(percentile >= lower && percentile <= upper)
            #expect(abs(percentile - 100) <= 25)
        }
    }

    @Test func percentilesOfNothingAndOfTheOverflow() {
        #expect(ArmRequestStats().snapshot.p50Milliseconds == nil)
        #expect(ArmRequestSnapshot(requests: 3).p95Milliseconds == nil)
        // Beyond 137 s the histogram knows only "at least".
        let stats = ArmRequestStats()
        stats.record(status: 504, latencyNanoseconds: 1_000_000 * Self.millisecond, slowNanoseconds: nil)
        #expect(stats.snapshot.p50Milliseconds == Double(1 << 37) / 1e6)
    }

    // MARK: counts

    @Test func errorsAreFiveHundredsAndSlowIsStrictlyOverTheLimit() {
        let stats = ArmRequestStats()
        let limit = 800 * Self.millisecond
        for status in [200, 302, 404, 499, 500, 502, 504, 599, 600] {
            stats.record(status: status, latencyNanoseconds: 10 * Self.millisecond, slowNanoseconds: limit)
        }
        stats.record(status: 200, latencyNanoseconds: limit, slowNanoseconds: limit)
        stats.record(status: 200, latencyNanoseconds: limit + 1, slowNanoseconds: limit)
        stats.record(status: 200, latencyNanoseconds: 10 * limit, slowNanoseconds: nil)
        let snapshot = stats.snapshot
        #expect(snapshot.requests == 12)
        #expect(snapshot.errors == 4)
        #expect(snapshot.slow == 1)
        #expect(abs(snapshot.errorRate - 4.0 / 12) < 1e-12)
        #expect(snapshot.errorCount == GuardrailTest.Count(events: 4, requests: 12))
        #expect(snapshot.slowCount == GuardrailTest.Count(events: 1, requests: 12))
    }

    @Test func readingsSubtract() {
        let stats = ArmRequestStats()
        for _ in 0..<10 { stats.record(status: 500, latencyNanoseconds: Self.millisecond, slowNanoseconds: 0) }
        let before = stats.snapshot
        for _ in 0..<5 { stats.record(status: 200, latencyNanoseconds: 900 * Self.millisecond, slowNanoseconds: nil) }
        let since = stats.snapshot - before
        #expect(since.requests == 5)
        #expect(since.errors == 0)
        #expect(since.slow == 0)
        #expect(since.latencyCounts.reduce(0, +) == 5)
        #expect(since.p50Milliseconds! > 700)
    }

    @Test func countsFromManyTasksAreExact() async {
        // Eight tasks record 20,000 requests each into the same counters at once: every one is
        // counted, in the totals and in the buckets. Task t's request i has status 500 when
        // i % 10 == t % 10, and takes i % 1000 ms (slow from 800 ms on).
        let stats = ArmRequestStats()
        let tasks = 8
        let perTask = 20_000
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for i in 0..<perTask {
                        stats.record(
                            status: i % 10 == task % 10 ? 500 : 200,
                            latencyNanoseconds: Int64(i % 1_000) * Self.millisecond,
                            slowNanoseconds: 799 * Self.millisecond)
                    }
                }
            }
        }
        let snapshot = stats.snapshot
        #expect(snapshot.requests == tasks * perTask)
        #expect(snapshot.errors == tasks * perTask / 10)
        #expect(snapshot.slow == tasks * perTask / 1_000 * 200)
        var expectedBuckets = [Int](repeating: 0, count: LatencyBuckets.count)
        for i in 0..<perTask {
            expectedBuckets[LatencyBuckets.index(nanoseconds: Int64(i % 1_000) * Self.millisecond)] += tasks
        }
        #expect(snapshot.latencyCounts == expectedBuckets)
    }
}
