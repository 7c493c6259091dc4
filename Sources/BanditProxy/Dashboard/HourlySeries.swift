import BanditCore
import BanditStore
import Foundation

/// An experiment's hourly series laid out for charts: one row of counts per time bucket,
/// one column per configured arm (in config order), gaps filled with zeros.
///
/// Long series are merged into buckets of several hours so a chart never has more than
/// `maxBuckets` columns.
struct HourlySeries {
    let arms: [String]
    /// Hours since 1970 at which the first bucket starts (a multiple of `bucketHours`).
    let firstHour: Int
    let bucketHours: Int
    /// `buckets[b][arm]`: the counts of bucket `b`.
    let buckets: [[ArmCounts]]

    init(points: [SeriesPoint], arms: [String], maxBuckets: Int = 120) {
        self.arms = arms
        let index = Dictionary(arms.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let known = points.filter { index[$0.arm] != nil }
        guard let first = known.map(\.hour).min(), let last = known.map(\.hour).max() else {
            firstHour = 0
            bucketHours = 1
            buckets = []
            return
        }
        let span = last - first + 1
        let size = max(1, (span + maxBuckets - 1) / max(1, maxBuckets))
        let start = Int((Double(first) / Double(size)).rounded(.down)) * size
        var buckets = Array(
            repeating: Array(repeating: ArmCounts(), count: arms.count), count: (last - start) / size + 1)
        for point in known {
            let bucket = (point.hour - start) / size
            let arm = index[point.arm]!
            buckets[bucket][arm].assignments += point.counts.assignments
            buckets[bucket][arm].views += point.counts.views
            buckets[bucket][arm].conversions += point.counts.conversions
        }
        firstHour = start
        bucketHours = size
        self.buckets = buckets
    }

    var isEmpty: Bool { buckets.isEmpty }

    /// Hours since 1970 at which the last bucket ends.
    var endHour: Int { firstHour + buckets.count * bucketHours }

    func startHour(ofBucket bucket: Int) -> Int { firstHour + bucket * bucketHours }

    var totalViews: Int { buckets.reduce(0) { $0 + $1.reduce(0) { $0 + $1.views } } }

    /// Running totals per arm at the end of each bucket.
    func cumulative(_ value: (ArmCounts) -> Int) -> [[Int]] {
        var running = Array(repeating: 0, count: arms.count)
        return buckets.map { row in
            for (arm, counts) in row.enumerated() { running[arm] += value(counts) }
            return running
        }
    }
}

/// Hours since 1970 as UTC text.
enum HourFormat {
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func components(_ hour: Int) -> DateComponents {
        utc.dateComponents([.year, .month, .day, .hour], from: Date(timeIntervalSince1970: Double(hour) * 3600))
    }

    /// `2025-03-14T09:00:00Z`.
    static func iso(_ hour: Int) -> String {
        let c = components(hour)
        return String(format: "%04d-%02d-%02dT%02d:00:00Z", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0)
    }

    /// `2025-03-14 09:00`.
    static func readable(_ hour: Int) -> String {
        let c = components(hour)
        return String(format: "%04d-%02d-%02d %02d:00", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0)
    }

    /// `Mar 14`.
    static func day(_ hour: Int) -> String {
        let c = components(hour)
        return "\(months[((c.month ?? 1) - 1) % 12]) \(c.day ?? 1)"
    }

    /// `09:00`.
    static func clock(_ hour: Int) -> String {
        String(format: "%02d:00", components(hour).hour ?? 0)
    }
}
