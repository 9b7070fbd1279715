import Foundation

/// Why an asset event did or did not trigger each DAG that schedules on its asset (`LineageExplainer`).
public struct EventExplanation: Sendable, Hashable, Codable {
    public struct Event: Sendable, Hashable, Codable {
        public let id: Int64
        public let asset: AssetKey
        public let source: AssetEventSource
        public let timestamp: Date
    }

    /// One DAG scheduled on the event's asset, and what became of the event for it.
    public struct Consumer: Sendable, Hashable, Codable {
        public let dagId: String
        public let link: ScheduleLink
        /// The DAG's condition, as `AssetCondition` describes it.
        public let condition: String
        public let paused: Bool
        /// Whether the event is in the DAG's queue now.
        public let queued: Bool
        public let verdict: PropagationVerdict
    }

    public let event: Event
    /// The event's lineage node (correlation id, causation id, span), `nil` when no tracker recorded it.
    public let lineage: LineageNode?
    /// By DAG id; empty when no DAG schedules on the asset.
    public let consumers: [Consumer]
}

/// Why a DAG has or has not run: its condition over the events queued for it, pause, run limit, recent runs.
public struct DagExplanation: Sendable, Hashable, Codable {
    public struct QueuedEvent: Sendable, Hashable, Codable {
        public let id: Int64
        public let asset: String
    }

    public struct RunSummary: Sendable, Hashable, Codable {
        public let runId: String
        public let runType: DagRunType
        public let state: DagRunState
        /// The asset events it consumed, by id.
        public let consumed: [Int64]
    }

    public let dagId: String
    /// `nil` for a DAG without an asset condition.
    public let condition: String?
    public let timetable: String?
    public let paused: Bool
    public let activeRuns: Int
    public let maxActiveRuns: Int?
    /// Oldest first.
    public let queued: [QueuedEvent]
    public let conditionMet: Bool
    /// The leaves still awaited (empty when the condition is met).
    public let awaits: [String]
    /// What the queued events are waiting for; `nil` when nothing is queued or the DAG has no asset condition.
    public let verdict: PropagationVerdict?
    /// The latest runs, oldest first (at most ten).
    public let recentRuns: [RunSummary]
}
