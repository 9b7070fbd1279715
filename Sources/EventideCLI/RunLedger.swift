import Eventide

/// The runs each DAG had at one moment, so a scenario can ask which runs something created after it:
/// `let mark = try await RunLedger(scheduler, dags: ["reconcile"])`, record an event, then
/// `try await mark.newRuns(of: "reconcile")`.
public struct RunLedger: Sendable {
    public let scheduler: Scheduler
    private let seen: [String: Set<String>]

    public init(_ scheduler: Scheduler, dags dagIds: [String]) async throws {
        var seen: [String: Set<String>] = [:]
        for dagId in dagIds { seen[dagId] = Set(try await scheduler.runs(of: dagId).map(\.runId)) }
        self.scheduler = scheduler
        self.seen = seen
    }

    /// The runs of `dagId` created since the ledger was taken, oldest first.
    public func newRuns(of dagId: String) async throws -> [DagRun] {
        let before = seen[dagId] ?? []
        return try await scheduler.runs(of: dagId).filter { !before.contains($0.runId) }
    }

    /// The asset events the runs of `dagId` created since the ledger was taken consumed, in run order.
    public func consumedEvents(of dagId: String) async throws -> [AssetEvent] {
        try await newRuns(of: dagId).flatMap(\.triggeringAssetEvents)
    }
}

extension Scheduler {
    /// The runs of `dagId` that consumed the asset event `eventId` (one with `.batched` and `.perEvent`
    /// triggering alike: an event is consumed once per consuming DAG).
    public func runs(of dagId: String, consuming eventId: Int64) async throws -> [DagRun] {
        try await runs(of: dagId).filter { $0.triggeringAssetEvents.contains { $0.id == eventId } }
    }

    /// What `dagId` holds and still awaits right now: its queued asset events, and the operands of its
    /// schedule's condition that those events do not satisfy yet (empty when nothing is missing).
    public func queueSnapshot(of dagId: String) async throws -> QueueSnapshot {
        let queued = try await queuedEvents(for: dagId)
        let condition = try dag(dagId).schedule.condition
        let awaiting = condition?.missing(updated: Set(queued.map(\.asset))).map(\.description) ?? []
        return QueueSnapshot(
            dagId: dagId, queued: queued.map { .init(id: $0.id, asset: $0.asset.name) },
            awaiting: awaiting)
    }

    /// Waits until every run that `dagIds` have now has finished (events still queued are left queued).
    public func waitUntilRunsFinished(_ dagIds: [String]) async throws {
        for dagId in dagIds {
            _ = try await waitForFinishedRuns(of: dagId, count: try await runs(of: dagId).count)
        }
    }

    /// Waits until every DAG of `dagIds` has no queued asset event and no unfinished run at the same moment
    /// (a run of one can queue events for another, so each DAG is looked at again after any wait).
    public func waitUntilIdle(_ dagIds: [String]) async throws {
        while true {
            var waited = false
            for dagId in dagIds {
                let queued = try await queuedEvents(for: dagId)
                let active = try await runs(of: dagId).contains { !$0.state.isFinished }
                if !queued.isEmpty || active {
                    try await waitUntilIdle(dagId)
                    waited = true
                }
            }
            if !waited { return }
        }
    }
}

/// A DAG's asset-event queue at one moment (``Scheduler/queueSnapshot(of:)``).
public struct QueueSnapshot: Codable, Sendable, Hashable {
    public struct Queued: Codable, Sendable, Hashable {
        public let id: Int64
        public let asset: String
    }

    public let dagId: String
    public let queued: [Queued]
    /// The condition's operands not yet satisfied by the queued events, e.g. `["returns", "fx_rates"]`.
    public let awaiting: [String]
}
