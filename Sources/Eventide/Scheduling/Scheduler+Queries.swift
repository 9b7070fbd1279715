import Foundation
import GRDB

/// Reading asset events and runs, and waiting for them.
extension Scheduler {
    /// Events queued for a DAG and not yet consumed by a run, oldest first.
    public func queuedEvents(for dagId: String) async throws -> [AssetEvent] {
        _ = try dag(dagId)
        return try await database.pool.read { db in try SchedulerStore.queuedEvents(db, dagId: dagId) }
    }

    /// Every asset event recorded for an asset, oldest first (Airflow's `inlet_events`).
    public func assetEvents(for asset: AssetKey) async throws -> [AssetEvent] {
        try await database.pool.read { db in
            try db.rows(
                "SELECT * FROM asset_event WHERE name = ? AND uri = ? ORDER BY id",
                arguments: [asset.name, asset.uri]
            ).map(SchedulerStore.assetEvent)
        }
    }

    /// An asset's recorded events (Airflow's `inlet_events[asset]` with its filters): only those stamped after
    /// `after` and before `before` (both exclusive), oldest first unless `ascending` is false, at most `limit`
    /// of them (the oldest, or the newest when descending).
    public func assetEvents(
        for asset: AssetKey, after: Date?, before: Date?, limit: Int? = nil, ascending: Bool = true
    ) async throws -> [AssetEvent] {
        let after = after?.timeIntervalSince1970
        let before = before?.timeIntervalSince1970
        return try await database.pool.read { db in
            try db.rows(
                """
                SELECT * FROM asset_event WHERE name = ? AND uri = ?
                  AND (? IS NULL OR timestamp > ?) AND (? IS NULL OR timestamp < ?)
                ORDER BY timestamp \(ascending ? "ASC" : "DESC"), id \(ascending ? "ASC" : "DESC") LIMIT ?
                """,
                arguments: [asset.name, asset.uri, after, after, before, before, limit.map { max(0, $0) } ?? -1]
            ).map(SchedulerStore.assetEvent)
        }
    }

    public func allAssetEvents() async throws -> [AssetEvent] {
        try await database.pool.read { db in
            try db.rows("SELECT * FROM asset_event ORDER BY id").map(SchedulerStore.assetEvent)
        }
    }

    public func run(_ ref: DagRunRef) async throws -> DagRun? {
        try await database.pool.read { db in try SchedulerStore.fetchRuns(db, dagId: ref.dagId, runId: ref.runId).first
        }
    }

    /// The DAG's runs, oldest first.
    public func runs(of dagId: String) async throws -> [DagRun] {
        _ = try dag(dagId)
        return try await database.pool.read { db in try SchedulerStore.fetchRuns(db, dagId: dagId, runId: nil) }
    }

    /// Runs not finished: waiting to start, or interrupted by a stop (for the executor after a restart).
    func queuedRuns() async throws -> [DagRunRef] {
        try await database.pool.read { db in try SchedulerStore.unfinishedRuns(db) }
    }

    /// What recording asset events took so far: the group commit's commits (fewer than the events when concurrent
    /// calls shared them) and batches, and where their time went
    /// (writing the batch, SQLite's commit and flush, handing over to the next commit's leader). For figures:
    /// subtract two readings for what happened between them.
    public nonisolated func recordingStatistics() -> RecordingStatistics {
        RecordingStatistics(commits: recordings.statistics, transactions: recordingTransactions.withLock { $0 })
    }

    // MARK: Waiting

    /// Waits until the DAG has no queued asset events and no unfinished run, for a DAG whose queued events always
    /// make runs (a single-asset schedule; `maxActiveRuns` only delays them). No polling: it subscribes to run
    /// updates before looking, and looks again after each of the DAG's updates. Throws
    /// `WaitError.deadlineExceeded` when the DAG is not idle by the deadline.
    public func waitUntilIdle(_ dagId: String, deadline: WaitDeadline = .default) async throws {
        _ = try dag(dagId)
        let stream = runUpdates()
        try await deadline.enforce(waitingFor: "DAG '\(dagId)' to have no queued events and no unfinished run") {
            var updates = stream.makeAsyncIterator()
            while true {
                let queued = try await self.queuedEvents(for: dagId)
                let active = try await self.runs(of: dagId).contains { !$0.state.isFinished }
                if queued.isEmpty && !active { return }
                try Task.checkCancellation()
                while let update = await updates.next(), update.ref.dagId != dagId {}
            }
        }
    }

    /// Waits until the DAG has at least `count` finished runs and returns them (no polling: it subscribes
    /// to run updates before looking). Throws `WaitError.deadlineExceeded` when they have not finished by then.
    public func waitForFinishedRuns(
        of dagId: String, count: Int,
        deadline: WaitDeadline = .default
    ) async throws -> [DagRun] {
        _ = try dag(dagId)
        let stream = runUpdates()
        return try await deadline.enforce(waitingFor: "\(count) finished run(s) of DAG '\(dagId)'") {
            var updates = stream.makeAsyncIterator()
            while true {
                let finished = try await self.runs(of: dagId).filter { $0.state.isFinished }
                if finished.count >= count { return finished }
                try Task.checkCancellation()
                while let update = await updates.next(), update.ref.dagId != dagId || !update.state.isFinished {}
            }
        }
    }
}
