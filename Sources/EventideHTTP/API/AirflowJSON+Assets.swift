import Eventide
import Foundation

/// Assets and their events in the shapes of Airflow's API: `AssetResponse`, `AssetEventResponse` and
/// `QueuedEventResponse`. The store keeps no creation or update time for assets and DAG references, so those are
/// `null` (Airflow declares them required; our document says nullable).
extension AirflowJSON {
    /// A task that writes (outlet) or reads (inlet) an asset.
    struct TaskReference: Sendable, Hashable {
        let dagId: String
        let taskId: String
    }

    /// Who uses an asset: DAGs scheduled on it, tasks producing it, tasks reading it.
    struct AssetUsage: Sendable, Hashable {
        var scheduledDags: [String] = []
        var producingTasks: [TaskReference] = []
        var consumingTasks: [TaskReference] = []
    }

    static func asset(_ record: AssetRecord, usage: AssetUsage, lastEvent: AssetEvent?) -> JSONValue {
        let task = { (reference: TaskReference) -> JSONValue in
            [
                "dag_id": .string(reference.dagId), "task_id": .string(reference.taskId), "created_at": nil,
                "updated_at": nil,
            ]
        }
        return [
            "id": integer(record.id), "name": .string(record.key.name), "uri": .string(record.key.uri),
            "group": .string(record.group), "extra": .object(record.extra), "created_at": nil, "updated_at": nil,
            "scheduled_dags": .array(
                usage.scheduledDags.map { ["dag_id": .string($0), "created_at": nil, "updated_at": nil] }),
            "producing_tasks": .array(usage.producingTasks.map(task)),
            "consuming_tasks": .array(usage.consumingTasks.map(task)), "aliases": [],
            "last_asset_event": lastEvent.map {
                ["id": integer($0.id), "timestamp": AirflowDate.json($0.timestamp)]
            } ?? .null,
        ]
    }

    /// An asset event, with the runs it created. `asset_id` is -1 for an asset only ever emitted through an alias
    /// (the store has no row, hence no id, for it).
    static func assetEvent(_ event: AssetEvent, asset: AssetRecord?, createdRuns: [DagRun]) -> JSONValue {
        assetEvent(event, asset: asset, createdRunReferences: createdRuns.map(runReference))
    }

    /// An asset event with the runs it created as `DagRunAssetReference`s already made. Built member by member into
    /// a dictionary of the right size: `POST /api/v2/assets/events` answers every event with one.
    static func assetEvent(_ event: AssetEvent, asset: AssetRecord?, createdRunReferences: [JSONValue]) -> JSONValue {
        var source: (dag: String?, run: String?, task: String?) = (nil, nil, nil)
        if case .task(let dag, let run, let task) = event.source { source = (dag, run, task) }
        var object: [String: JSONValue] = [:]
        object.reserveCapacity(12)
        object["id"] = integer(event.id)
        object["asset_id"] = integer(asset?.id ?? -1)
        object["uri"] = .string(event.asset.uri)
        object["name"] = .string(event.asset.name)
        object["group"] = string(asset?.group)
        object["extra"] = .object(event.extra)
        object["source_task_id"] = string(source.task)
        object["source_dag_id"] = string(source.dag)
        object["source_run_id"] = string(source.run)
        object["source_map_index"] = -1
        object["created_dagruns"] = .array(createdRunReferences)
        object["timestamp"] = AirflowDate.json(event.timestamp)
        return .object(object)
    }

    static func queuedEvent(dagId: String, assetId: Int64, createdAt: Date) -> JSONValue {
        [
            "dag_id": .string(dagId), "asset_id": integer(assetId), "created_at": AirflowDate.json(createdAt),
            "dag_display_name": .string(dagId),
        ]
    }
}
