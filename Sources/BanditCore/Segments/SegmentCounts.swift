import Synchronization

/// One arm's views and conversions in one value of one segment.
public struct SegmentTally: Sendable, Equatable, Hashable {
    /// Sessions of the arm with this value that viewed the source path.
    public var views: Int
    /// Those of them that converted.
    public var conversions: Int

    /// Tallies as given; zero where not.
    public init(views: Int = 0, conversions: Int = 0) {
        self.views = views
        self.conversions = conversions
    }

    /// Both tallies added field by field.
    public static func + (lhs: SegmentTally, rhs: SegmentTally) -> SegmentTally {
        SegmentTally(views: lhs.views + rhs.views, conversions: lhs.conversions + rhs.conversions)
    }

    /// Adds `rhs` to `lhs` field by field.
    public static func += (lhs: inout SegmentTally, rhs: SegmentTally) { lhs = lhs + rhs }

    /// Nothing counted: such a tally need not be stored.
    public var isZero: Bool { views == 0 && conversions == 0 }
}

/// Where a tally is kept: a segment (by its position in `segments`), one of its values, an arm.
public struct SegmentCell: Sendable, Equatable, Hashable {
    /// The segment's index in the experiment's `segments`.
    public var segment: Int
    /// The segment's value (`mobile`, `(none)`, `other`, …).
    public var value: String
    /// The arm's index in the experiment's arms.
    public var arm: Int

    /// The cell of `arm` in one value of the segment at index `segment`.
    public init(segment: Int, value: String, arm: Int) {
        self.segment = segment
        self.value = value
        self.arm = arm
    }
}

/// An experiment's counts by segment: what was loaded from storage plus what this process
/// counted since, which the state keeper takes out (`takeUnwritten`) to write with the totals.
///
/// Views and conversions come once per session each, a small share of requests, so one
/// lock is cheap here; the hot path of a returning visitor never comes here.
public final class SegmentCounts: Sendable {
    /// The experiment's segments, as configured; `SegmentCell.segment` indexes them.
    public let segments: [Segment]
    private let tables = Mutex(Tables())

    private struct Tables {
        /// As last loaded from (or written to) storage.
        var stored: [SegmentCell: SegmentTally] = [:]
        /// Counted here and not written yet.
        var unwritten: [SegmentCell: SegmentTally] = [:]
        /// Per free-form segment, the values counted apart (at most `Segment.trackedValues`).
        var tracked: [Set<String>]

        init(segments: Int = 0) { tracked = Array(repeating: [], count: segments) }
    }

    /// Empty counts for these segments (the experiment's, in configured order).
    public init(segments: [Segment]) {
        self.segments = segments
        tables.withLock { $0 = Tables(segments: segments.count) }
    }

    /// Counts a view or a conversion of `arm` in each segment's value (`values` in the order of
    /// `segments`; missing ones count as `Segment.noValue`).
    public func record(arm: Int, values: [String]?, views: Int = 0, conversions: Int = 0) {
        let tally = SegmentTally(views: views, conversions: conversions)
        tables.withLock { tables in
            for (index, segment) in segments.enumerated() {
                let given = values.flatMap { index < $0.count ? $0[index] : nil } ?? Segment.noValue
                let value = Self.admit(given, segment: segment, tracked: &tables.tracked[index])
                tables.unwritten[SegmentCell(segment: index, value: value, arm: arm), default: SegmentTally()] += tally
            }
        }
    }

    /// The value a tally is kept under: itself, or `other` once a free-form segment tracks
    /// `Segment.trackedValues` others (a fixed segment's values are known and few).
    private static func admit(_ value: String, segment: Segment, tracked: inout Set<String>) -> String {
        guard segment.fixedValues == nil else { return value }
        if tracked.contains(value) || value == Segment.other { return value }
        guard tracked.count < Segment.trackedValues else { return Segment.other }
        tracked.insert(value)
        return value
    }

    /// Stored plus unwritten: everything counted, per cell.
    public var totals: [SegmentCell: SegmentTally] {
        tables.withLock { tables in tables.stored.merging(tables.unwritten, uniquingKeysWith: +) }
    }

    /// Takes what was counted since the last write out, for a batch.
    public func takeUnwritten() -> [SegmentCell: SegmentTally] {
        tables.withLock { tables in
            defer { tables.unwritten = [:] }
            return tables.unwritten
        }
    }

    /// After the batch was written: its counts are stored now.
    public func written(_ batch: [SegmentCell: SegmentTally]) {
        tables.withLock { $0.stored.merge(batch, uniquingKeysWith: +) }
    }

    /// After the batch failed: its counts wait for the next one.
    public func notWritten(_ batch: [SegmentCell: SegmentTally]) {
        tables.withLock { $0.unwritten.merge(batch, uniquingKeysWith: +) }
    }

    /// Replaces the stored counts (loading at start; on a shared store, what every instance
    /// wrote); the unwritten ones stay.
    public func replaceStored(_ stored: [SegmentCell: SegmentTally]) {
        tables.withLock { tables in
            tables.stored = stored
            for cell in stored.keys where cell.segment < tables.tracked.count && cell.value != Segment.other {
                if segments[cell.segment].fixedValues == nil, tables.tracked[cell.segment].count < Segment.trackedValues
                {
                    tables.tracked[cell.segment].insert(cell.value)
                }
            }
        }
    }

    /// Forgets everything (a reset).
    public func reset() {
        tables.withLock { $0 = Tables(segments: segments.count) }
    }
}
