/// What has been counted for one arm of one experiment.
public struct ArmCounts: Sendable, Equatable, Hashable, Codable {
    /// Sessions the policy (or a decision) put on this arm.
    public var assignments: Int
    /// Sessions that reached the source path on this arm (once per session).
    public var views: Int
    /// Sessions that reached the target after their view (once per session).
    public var conversions: Int
    /// Views whose session came back with its cookie (a cookieless crawler never does).
    public var confirmedViews: Int

    /// Counts as given; zero where not.
    public init(assignments: Int = 0, views: Int = 0, conversions: Int = 0, confirmedViews: Int = 0) {
        self.assignments = assignments
        self.views = views
        self.conversions = conversions
        self.confirmedViews = confirmedViews
    }

    /// The same counts with only confirmed views, for experiments that count those.
    public var confirmedOnly: ArmCounts {
        ArmCounts(
            assignments: assignments, views: confirmedViews, conversions: conversions, confirmedViews: confirmedViews)
    }

    /// Views that have not converted (yet).
    public var failures: Int { max(0, views - conversions) }

    /// Observed conversion rate; 0 without views.
    public var conversionRate: Double { views == 0 ? 0 : Double(conversions) / Double(views) }

    /// What was counted between two readings.
    public static func - (later: ArmCounts, earlier: ArmCounts) -> ArmCounts {
        ArmCounts(
            assignments: later.assignments - earlier.assignments, views: later.views - earlier.views,
            conversions: later.conversions - earlier.conversions,
            confirmedViews: later.confirmedViews - earlier.confirmedViews)
    }

    /// Both counts added field by field, e.g. increments of one arm not yet stored.
    public static func + (lhs: ArmCounts, rhs: ArmCounts) -> ArmCounts {
        ArmCounts(
            assignments: lhs.assignments + rhs.assignments, views: lhs.views + rhs.views,
            conversions: lhs.conversions + rhs.conversions, confirmedViews: lhs.confirmedViews + rhs.confirmedViews)
    }

    private enum CodingKeys: String, CodingKey { case assignments, views, conversions, confirmedViews }

    /// Versions archived before confirmed views were counted have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        assignments = try container.decode(Int.self, forKey: .assignments)
        views = try container.decode(Int.self, forKey: .views)
        conversions = try container.decode(Int.self, forKey: .conversions)
        confirmedViews = try container.decodeIfPresent(Int.self, forKey: .confirmedViews) ?? 0
    }
}

/// Lifecycle of an experiment.
public enum ExperimentStatus: String, Sendable, Equatable, Codable {
    /// The policy assigns arms and counts go on.
    case running
    /// A winner was declared (by the rule or an admin); it is served to everyone, counting goes on.
    case decided
    /// The first arm is served, nothing is counted; assignments are kept for when it resumes.
    case paused
}
