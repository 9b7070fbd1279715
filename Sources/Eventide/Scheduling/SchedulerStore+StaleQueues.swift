import GRDB

extension SchedulerStore {
    /// Deletes the queued events of `dag` for assets its schedule no longer waits on (directly, through an alias
    /// or through a reference), as Airflow deletes the `asset_dag_run_queue` rows of a DAG that stopped scheduling
    /// on an asset when the DAG is parsed again; a DAG with no asset schedule loses its whole queue. The events
    /// stay recorded. Returns how many queue entries were deleted.
    @discardableResult
    static func deleteStaleQueuedEvents(_ db: Database, of dag: DAG) throws -> Int {
        let queued = try queuedEvents(db, dagId: dag.dagId)
        guard !queued.isEmpty else { return 0 }
        let stale: [AssetEvent]
        if let condition = dag.schedule.condition {
            let aliases = try aliasResolution(db)
            let references = try referenceResolution(db, for: [condition])
            stale = queued.filter { !condition.waits(on: $0.asset, aliases: aliases, references: references) }
        } else {
            stale = queued
        }
        for event in stale {
            try db.run(
                "DELETE FROM asset_event_queue WHERE dag_id = ? AND asset_event_id = ?",
                arguments: [dag.dagId, event.id])
        }
        return stale.count
    }
}
