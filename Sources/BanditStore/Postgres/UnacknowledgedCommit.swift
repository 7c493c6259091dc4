import BanditCore

/// A batch whose COMMIT was sent but never answered (the connection broke at that moment),
/// so it may or may not be stored. The keeper counts it as failed and sends its increments
/// again with the next batch; the store finds out which it was (its writer row records the
/// number of the last batch it committed) and, if it was stored, subtracts it from the next
/// batch, so a lost acknowledgement never counts anything twice.
struct UnacknowledgedCommit: Sendable {
    var number: Int
    var batch: StoreBatch
}

extension StoreBatch {
    /// Counts per experiment and arm, duplicates summed, in a stable order (so concurrent
    /// writers lock rows in the same order).
    var summedIncrements: [Increment] {
        var sums: [String: [String: Increment]] = [:]
        for increment in increments {
            if var existing = sums[increment.experiment]?[increment.arm] {
                existing.delta = existing.delta + increment.delta
                sums[increment.experiment]![increment.arm] = existing
            } else {
                sums[increment.experiment, default: [:]][increment.arm] = increment
            }
        }
        return sums.keys.sorted().flatMap { experiment in
            sums[experiment]!.keys.sorted().map { sums[experiment]![$0]! }
        }
    }

    /// Counts per experiment, segment, value and arm, duplicates summed, in a stable order.
    var summedSegmentIncrements: [SegmentIncrement] {
        var sums: [String: [SegmentKey: SegmentIncrement]] = [:]
        for increment in segmentIncrements {
            if var existing = sums[increment.experiment]?[increment.key] {
                existing.delta += increment.delta
                sums[increment.experiment]![increment.key] = existing
            } else {
                sums[increment.experiment, default: [:]][increment.key] = increment
            }
        }
        return sums.keys.sorted().flatMap { experiment in
            sums[experiment]!.values.sorted {
                ($0.key.segment, $0.key.value, $0.key.arm) < ($1.key.segment, $1.key.value, $1.key.arm)
            }
        }
    }

    /// This batch without the increments of `stored`, a batch the keeper believes lost but
    /// that was committed. An experiment this batch resets starts from nothing, so nothing
    /// is subtracted there.
    func subtracting(alreadyStored stored: StoreBatch) -> StoreBatch {
        var remaining = self
        var owed: [String: [String: ArmCounts]] = [:]
        for increment in stored.increments where !resets.contains(increment.experiment) {
            owed[increment.experiment, default: [:]][increment.arm, default: ArmCounts()] =
                (owed[increment.experiment]?[increment.arm] ?? ArmCounts()) + increment.delta
        }
        remaining.increments = summedIncrements.compactMap { increment in
            guard let already = owed[increment.experiment]?[increment.arm] else { return increment }
            var rest = increment
            let difference = increment.delta - already
            // Never negative: the keeper's counts only grow between two writes of one version.
            rest.delta = ArmCounts(
                assignments: max(0, difference.assignments), views: max(0, difference.views),
                conversions: max(0, difference.conversions), confirmedViews: max(0, difference.confirmedViews))
            return rest.delta == ArmCounts() ? nil : rest
        }
        var owedSegments: [String: [SegmentKey: SegmentTally]] = [:]
        for increment in stored.segmentIncrements where !resets.contains(increment.experiment) {
            owedSegments[increment.experiment, default: [:]][increment.key, default: SegmentTally()] += increment.delta
        }
        remaining.segmentIncrements = summedSegmentIncrements.compactMap { increment in
            guard let already = owedSegments[increment.experiment]?[increment.key] else { return increment }
            var rest = increment
            rest.delta = SegmentTally(
                views: max(0, increment.delta.views - already.views),
                conversions: max(0, increment.delta.conversions - already.conversions))
            return rest.delta.isZero ? nil : rest
        }
        return remaining
    }

    /// What is stored after `later` was committed on top of `self`, both unknown to the
    /// keeper: a reset in `later` voids what `self` had added to that experiment.
    func merged(with later: StoreBatch) -> StoreBatch {
        var merged = StoreBatch()
        merged.increments =
            increments.filter { !later.resets.contains($0.experiment) } + later.increments
        merged.increments = merged.summedIncrements
        merged.segmentIncrements =
            segmentIncrements.filter { !later.resets.contains($0.experiment) } + later.segmentIncrements
        merged.segmentIncrements = merged.summedSegmentIncrements
        return merged
    }
}
