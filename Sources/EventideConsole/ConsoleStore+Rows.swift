import Eventide
import Foundation

/// What the console's read model returns: rows of the store, joined and counted, independent of how they are shown.
extension ConsoleStore {
    /// A DAG as the store has it: its schedule (as registered), what is queued for it and what it still awaits.
    public struct DagRow: Sendable, Hashable {
        public let dagId: String
        public let isPaused: Bool
        /// Airflow's `timetable_summary` (`None`, `Asset`, `every 60 s`); `nil` in a store written before the runtime
        /// kept it.
        public let timetableSummary: String?
        /// The asset condition it is scheduled on; `nil` when it has none (or the store predates it).
        public let condition: AssetCondition?
        /// Events queued for it and not yet consumed by a run, per asset, in the condition's order of URIs.
        public let queued: [QueuedAsset]
        /// The condition's leaves still awaited given what is queued (`AssetCondition.missing`); empty when the
        /// condition holds or there is none.
        public let awaiting: [AssetCondition]
        /// Its runs, per state.
        public let runs: [DagRunState: Int]
    }

    /// Events of one asset queued for a DAG.
    public struct QueuedAsset: Sendable, Hashable {
        public let asset: AssetKey
        public let events: Int

        public init(asset: AssetKey, events: Int) {
            self.asset = asset
            self.events = events
        }
    }

    /// A run, without its tasks.
    public struct RunRow: Sendable, Hashable {
        public let ref: DagRunRef
        public let runType: DagRunType
        public let state: DagRunState
        public let queuedAt: Date
        public let startedAt: Date?
        public let endedAt: Date?
        public let logicalDate: Date?
        public let note: String?
        /// How many asset events triggered it.
        public let triggeringEvents: Int
    }

    /// A run with its task instances and the asset events that triggered it.
    public struct RunDetail: Sendable, Hashable {
        public let run: RunRow
        public let tasks: [TaskRow]
        public let triggeringEvents: [EventRow]
    }

    /// A task instance of a run.
    public struct TaskRow: Sendable, Hashable {
        public let taskId: String
        public let state: TaskState
        public let tryNumber: Int
        public let startedAt: Date?
        public let endedAt: Date?
        public let note: String?
    }

    /// A recorded asset event, with where it went: the DAGs it is queued for and the runs it triggered.
    public struct EventRow: Sendable, Hashable {
        public let id: Int64
        /// The asset's id (Airflow's integer id), when the asset is in the store.
        public let assetId: Int64?
        public let asset: AssetKey
        public let source: AssetEventSource
        /// `extra` as stored (JSON).
        public let extra: String
        public let alias: String?
        public let timestamp: Date
        public let queuedFor: [String]
        public let triggeredRuns: [DagRunRef]
    }

    /// An asset with a summary of its events.
    public struct AssetRow: Sendable, Hashable {
        public let id: Int64
        public let key: AssetKey
        public let group: String
        public let events: Int
        public let lastEventAt: Date?
    }

    /// A watcher (or another source of dead letters) as the store has it: no live state, only what it recorded
    /// and what it dead-lettered.
    public struct SourceRow: Sendable, Hashable {
        public let name: String
        /// The assets it recorded events for.
        public let assets: [AssetKey]
        public let eventsRecorded: Int
        public let lastEventAt: Date?
        public let deadLettersWaiting: Int
        public let deadLettersTotal: Int
        /// The reason of its latest dead letter, and when.
        public let lastDeadLetterReason: String?
        public let lastDeadLetterAt: Date?
    }

    /// Counts for the overview.
    public struct Overview: Sendable, Hashable {
        public let dags: Int
        public let runs: [DagRunState: Int]
        public let assets: Int
        public let assetEvents: Int
        public let deadLettersWaiting: Int
        /// Events queued per DAG, messages per embedded queue, dead letters waiting per source.
        public let depths: RuntimeMetrics.StoreDepths
    }
}
