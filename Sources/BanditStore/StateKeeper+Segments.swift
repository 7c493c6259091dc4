import BanditCore

/// Segment counts between the live engine and the store: stored by names (segment, value,
/// arm), kept live by position (`SegmentCell`).
extension ExperimentRuntime {
    /// The stored tallies this configuration can place: segments and arms it still has.
    func segmentCells(_ stored: [SegmentKey: SegmentTally]) -> [SegmentCell: SegmentTally] {
        var cells: [SegmentCell: SegmentTally] = [:]
        let segmentIndex = Dictionary(
            config.segments.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        let armIndex = Dictionary(config.arms.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for (key, tally) in stored {
            guard let segment = segmentIndex[key.segment], let arm = armIndex[key.arm] else { continue }
            cells[SegmentCell(segment: segment, value: key.value, arm: arm)] = tally
        }
        return cells
    }

    func segmentKey(_ cell: SegmentCell) -> SegmentKey {
        SegmentKey(segment: config.segments[cell.segment].name, value: cell.value, arm: config.arms[cell.arm])
    }

    /// What was counted by segment since the last write, taken out of the live counts for a
    /// batch (`segmentsWritten` or `segmentsNotWritten` settles it).
    func takeUnwrittenSegments(generation: Int) -> (
        cells: [SegmentCell: SegmentTally], increments: [StoreBatch.SegmentIncrement]
    ) {
        guard let segmentCounts else { return ([:], []) }
        let cells = segmentCounts.takeUnwritten()
        let increments = cells.compactMap { cell, tally in
            tally.isZero
                ? nil
                : StoreBatch.SegmentIncrement(
                    experiment: name, key: segmentKey(cell), delta: tally, generation: generation)
        }
        return (cells, increments)
    }

    /// Adds a retired keeper's segment counts, by name.
    func absorbSegments(_ increments: [StoreBatch.SegmentIncrement]) {
        guard let segmentCounts else { return }
        var stored: [SegmentKey: SegmentTally] = [:]
        for increment in increments where increment.experiment == name {
            stored[increment.key, default: SegmentTally()] += increment.delta
        }
        segmentCounts.notWritten(segmentCells(stored))
    }
}
