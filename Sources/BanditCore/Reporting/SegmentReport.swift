/// An experiment's results by segment, as `GET /__bandits/api/experiments/{name}/segments`
/// and the dashboard show them.
///
/// ## Why a segment's leader can be trusted
///
/// Each row (a value of a segment) gets the winner rule of the experiment, at α/m instead of
/// α, m the number of rows the segments *can* show (`Segment.rowsShown`, summed): 4 for
/// `device`, 2 for `visitor`, 5 for `referrer`, 22 for a query parameter or header (20 values,
/// `other` and `(none)`). The winner rule is anytime-valid: checked after every session,
/// forever, it ever declares a wrong leader with probability ≤ α/m (Ville's inequality). The
/// union bound over the m rows needs no independence between them and no fixed time, so the
/// chance that *any* row, at *any* look, shows a wrong significant leader is ≤ m · α/m = α
/// (Bonferroni). m is fixed by the configuration, not by the traffic, so rows that appear
/// later do not break it. Bonferroni rather than a step-down method (Holm) because Holm's
/// order of p-values changes with every look, and its guarantee is for one look.
public struct SegmentReport: Sendable, Equatable, Encodable {
    /// The experiment's name.
    public var experiment: String
    /// The correction for multiple comparisons, in words.
    public var correction: Correction
    /// One per configured segment, in the configuration's order.
    public var segments: [SegmentResults]

    /// How the report keeps the chance of any wrong significant leader within the significance.
    public struct Correction: Sendable, Equatable, Encodable {
        /// The correction and why it holds at every look, in words.
        public var method: String
        /// Rows the segments can show: the number of comparisons corrected for.
        public var comparisons: Int
        /// The winner rule's α in each row: the experiment's significance / comparisons.
        public var rowSignificance: Double
    }

    /// One segment's rows.
    public struct SegmentResults: Sendable, Equatable, Encodable {
        /// The segment's name, as configured (`device`, `referrer`, a query parameter's or header's).
        public var segment: String
        /// Its rows, most views first; a free-form segment's 20 most viewed, then `other`.
        public var values: [ValueResults]
    }

    /// The arms' results among the sessions with one value of a segment.
    public struct ValueResults: Sendable, Equatable, Encodable {
        /// The segment's value (`mobile`, `other`, `(none)`, …).
        public var value: String
        /// One per arm, in the experiment's arm order.
        public var arms: [ArmResults]
        /// The arm with the highest rate (the significant one where there is), nil without views.
        public var leader: String?
        /// The leader wins in this row under the corrected winner rule.
        public var significant: Bool
        /// Significant, and not the experiment's overall leader: worth a look.
        public var differsFromOverall: Bool
    }

    /// One arm's counts within a row.
    public struct ArmResults: Sendable, Equatable, Encodable {
        /// The arm's name.
        public var name: String
        /// Views of the arm's sessions with this value.
        public var views: Int
        /// Conversions of the arm's sessions with this value.
        public var conversions: Int
        /// conversions / views, 0...1; 0 without views.
        public var conversionRate: Double
        /// Wilson score interval at confidence 1 − significance, as the totals'.
        public var interval: [Double]
    }

    /// The report of the experiment's current segment counts, under its configured winner rule.
    public init(_ experiment: ExperimentRuntime) {
        let config = experiment.config
        let totals = experiment.segmentCounts?.totals ?? [:]
        let comparisons = max(1, config.segments.reduce(0) { $0 + $1.rowsShown })
        let rule = WinnerRule(
            significance: config.significance / Double(comparisons), minViews: config.minViews,
            minDetectableEffect: config.minDetectableEffect)
        let overall = experiment.state.winner ?? Self.leader(experiment.counts)
        self.experiment = config.name
        correction = Correction(
            method: "Bonferroni over every row the segments can show; each row's winner rule is anytime-valid",
            comparisons: comparisons, rowSignificance: rule.significance)
        segments = config.segments.enumerated().map { index, segment in
            var byValue: [String: [SegmentTally]] = [:]
            for (cell, tally) in totals where cell.segment == index && cell.arm < config.arms.count {
                byValue[cell.value, default: Array(repeating: SegmentTally(), count: config.arms.count)][cell.arm] +=
                    tally
            }
            let rows = Self.rows(byValue, segment: segment)
            return SegmentResults(
                segment: segment.name,
                values: rows.map { value, tallies in
                    let counts = tallies.map { ArmCounts(views: $0.views, conversions: $0.conversions) }
                    let winner = rule.winner(counts)
                    let leader = winner ?? Self.leader(counts)
                    return ValueResults(
                        value: value,
                        arms: tallies.enumerated().map { arm, tally in
                            let interval = WilsonInterval.interval(
                                successes: tally.conversions, trials: tally.views, confidence: 1 - config.significance)
                            return ArmResults(
                                name: config.arms[arm], views: tally.views, conversions: tally.conversions,
                                conversionRate: counts[arm].conversionRate,
                                interval: [interval.lower, interval.upper])
                        },
                        leader: leader.map { config.arms[$0] }, significant: winner != nil,
                        differsFromOverall: winner != nil && winner != overall)
                })
        }
    }

    /// The rows of one segment, most views first: a fixed segment's values as they are; a
    /// free-form one's 20 most viewed, the rest added up as `other` (last).
    static func rows(_ byValue: [String: [SegmentTally]], segment: Segment) -> [(String, [SegmentTally])] {
        func views(_ tallies: [SegmentTally]) -> Int { tallies.reduce(0) { $0 + $1.views } }
        var ranked = byValue.filter { $0.key != Segment.other }.sorted {
            (views($0.value), $1.key) > (views($1.value), $0.key)
        }
        var other = byValue[Segment.other]
        if segment.fixedValues == nil, ranked.count > Segment.shownValues {
            for (_, tallies) in ranked[Segment.shownValues...] {
                other = zip(other ?? Array(repeating: SegmentTally(), count: tallies.count), tallies).map { $0 + $1 }
            }
            ranked.removeSubrange(Segment.shownValues...)
        }
        var rows = ranked.map { ($0.key, $0.value) }
        if let other { rows.append((Segment.other, other)) }
        return rows
    }

    /// The arm with the highest observed rate, nil without any view.
    static func leader(_ counts: [ArmCounts]) -> Int? {
        let viewed = counts.indices.filter { counts[$0].views > 0 }
        return viewed.max { counts[$0].conversionRate < counts[$1].conversionRate }
    }
}
