import Foundation
import GRDB

/// The scheduler's side of a replay (see ``EventReplayer``): a run given recorded events as its triggering
/// events, and recorded events queued again for a consumer.
extension Scheduler {
    /// Creates a manual run of `dagId` whose triggering asset events are `events` (already recorded), with
    /// `conf` and `note`, in one transaction.
    func createReplayRun(_ dagId: String, events: [AssetEvent], conf: JSONValue, note: String) async throws
        -> DagRunRef
    {
        let dag = try dag(dagId)
        let taskIds = try snapshots[dagId]?.taskIds ?? dag.topologicalOrder()
        let now = clock.date
        let ref = try await database.pool.write { db in
            let runId = SchedulerStore.newRunId(db, dagId: dagId, type: .manual, now: now)
            try SchedulerStore.insertRun(
                db, dagId: dagId, runId: runId, type: .manual, conf: conf, taskIds: taskIds, now: now, note: note)
            for event in events {
                try db.run(
                    "INSERT INTO dag_run_asset_event(dag_id, run_id, asset_event_id) VALUES (?, ?, ?)",
                    arguments: [dagId, runId, event.id])
            }
            return DagRunRef(dagId: dagId, runId: runId)
        }
        created.publish(ref)
        metrics.runsCreated([ref], type: .manual)
        return ref
    }

    /// Queues `events` of `asset` again for `dagId` (an event still queued stays queued once) and creates the
    /// runs its condition now makes, in one transaction. Refused when `dagId`'s schedule does not wait on `asset`.
    func requeue(_ events: [AssetEvent], of asset: AssetKey, for dagId: String) async throws -> [DagRunRef] {
        _ = try dag(dagId)
        let notAConsumer = ReplayError.notAConsumer(dagId: dagId, asset: asset.name)
        guard let snapshot = snapshots[dagId] else { throw notAConsumer }
        let now = clock.date
        let runs = try await database.pool.write { db in
            let aliases = try SchedulerStore.aliasResolution(db)
            let references = try SchedulerStore.referenceResolution(db, for: [snapshot.condition])
            guard snapshot.condition.waits(on: asset, aliases: aliases, references: references) else {
                throw notAConsumer
            }
            for event in events {
                try db.run(
                    "INSERT OR IGNORE INTO asset_event_queue(dag_id, asset_event_id) VALUES (?, ?)",
                    arguments: [dagId, event.id])
            }
            return try SchedulerStore.createRuns(db, snapshot, aliases: aliases, references: references, now: now)
        }
        for run in runs { created.publish(run) }
        metrics.runsCreated(runs, type: .assetTriggered)
        return runs
    }
}
