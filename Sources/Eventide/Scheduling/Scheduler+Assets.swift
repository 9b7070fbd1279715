import Foundation
import GRDB

/// Assets by id, who produces and consumes them, and the queues of events waiting for runs (what Airflow's REST
/// API reads and clears).
extension Scheduler {
    /// The stored assets, ordered by id; with `uriPattern`, only those whose URI contains it (Airflow's
    /// `uri_pattern`, a substring match).
    public func assetRecords(uriPattern: String? = nil) async throws -> [AssetRecord] {
        try await database.pool.read { db in
            try db.rows(
                """
                SELECT rowid AS id, name, uri, asset_group, extra FROM asset
                WHERE ? IS NULL OR instr(uri, ?) > 0 ORDER BY rowid
                """, arguments: [uriPattern, uriPattern]
            ).map(Self.assetRecord)
        }
    }

    public func assetRecord(id: Int64) async throws -> AssetRecord? {
        try await database.pool.read { db in
            try db.row(
                "SELECT rowid AS id, name, uri, asset_group, extra FROM asset WHERE rowid = ?", arguments: [id]
            ).map(Self.assetRecord)
        }
    }

    public func assetRecord(for key: AssetKey) async throws -> AssetRecord? {
        try await database.pool.read { db in
            try db.row(
                "SELECT rowid AS id, name, uri, asset_group, extra FROM asset WHERE name = ? AND uri = ?",
                arguments: [key.name, key.uri]
            ).map(Self.assetRecord)
        }
    }

    /// The DAGs with a task that has the asset as an outlet, by id.
    public func producers(of key: AssetKey) -> [String] {
        dags.values.filter { $0.outlets.contains { $0.key == key } }.map(\.dagId).sorted()
    }

    /// The DAGs whose schedule names the asset, directly or through a reference that resolves to it (an active
    /// asset), by id.
    public func consumers(of key: AssetKey) -> [String] {
        dags.values.filter { dag in
            guard let condition = dag.schedule.condition else { return false }
            return condition.assetKeys.contains(key)
                || condition.references.contains { $0.resolve(in: active) == key }
        }.map(\.dagId).sorted()
    }

    /// The events waiting in DAG queues, oldest first, optionally only for one DAG, one asset, or events recorded
    /// before a date.
    public func queuedEvents(
        dagId: String? = nil, asset: AssetKey? = nil, before: Date? = nil
    ) async throws -> [QueuedAssetEvent] {
        if let dagId { _ = try dag(dagId) }
        return try await database.pool.read { db in
            try db.rows(
                """
                SELECT q.dag_id AS queued_for, e.* FROM asset_event_queue q JOIN asset_event e ON e.id = q.asset_event_id
                WHERE (? IS NULL OR q.dag_id = ?) AND (? IS NULL OR (e.name = ? AND e.uri = ?))
                  AND (? IS NULL OR e.timestamp < ?)
                ORDER BY e.id, q.dag_id
                """, arguments: Self.queueFilter(dagId: dagId, asset: asset, before: before)
            ).map { QueuedAssetEvent(dagId: $0["queued_for"], event: SchedulerStore.assetEvent($0)) }
        }
    }

    /// Deletes queued events (Airflow's `DELETE …/queuedEvents`): the events stay recorded, only the DAGs stop
    /// waiting on them. Returns how many queue entries were deleted.
    @discardableResult
    public func deleteQueuedEvents(
        dagId: String? = nil, asset: AssetKey? = nil, before: Date? = nil
    ) async throws -> Int {
        if let dagId { _ = try dag(dagId) }
        return try await database.pool.write { db in
            try db.run(
                """
                DELETE FROM asset_event_queue WHERE (dag_id, asset_event_id) IN (
                    SELECT q.dag_id, q.asset_event_id FROM asset_event_queue q JOIN asset_event e ON e.id = q.asset_event_id
                    WHERE (? IS NULL OR q.dag_id = ?) AND (? IS NULL OR (e.name = ? AND e.uri = ?))
                      AND (? IS NULL OR e.timestamp < ?))
                """, arguments: Self.queueFilter(dagId: dagId, asset: asset, before: before))
            return db.changesCount
        }
    }

    private static func queueFilter(dagId: String?, asset: AssetKey?, before: Date?) -> StatementArguments {
        let before = before?.timeIntervalSince1970
        return [dagId, dagId, asset?.name, asset?.name, asset?.uri, before, before]
    }

    private static func assetRecord(_ row: Row) -> AssetRecord {
        let extraText: String = row["extra"]
        return AssetRecord(
            id: row["id"], key: AssetKey(name: row["name"], uri: row["uri"]), group: row["asset_group"],
            extra: (try? JSONValue.parse(extraText))?.objectValue ?? [:])
    }
}
