import Eventide
import Foundation
import Hummingbird

/// The queued-event routes: what asset events DAGs are still waiting to run on, per asset and per DAG, and
/// clearing them (the events stay recorded; only the DAGs stop waiting on them).
///
/// Airflow keeps one queue entry per DAG and asset (`AssetDagRunQueue`), made by the first event; the runtime
/// queues every event. The answers group them the same way: one entry per DAG and asset, stamped with the oldest
/// queued event of the pair.
extension AirflowAPI {
    func registerQueuedEvents(on api: RouterGroup<EventideRequestContext>) {
        api.get("assets/:asset_id/queuedEvents") { request, context in
            try await assetQueue(request, context, delete: false)
        }
        api.delete("assets/:asset_id/queuedEvents") { request, context in
            try await assetQueue(request, context, delete: true)
        }
        api.get("dags/:dag_id/assets/queuedEvents") { request, context in
            try await dagQueue(request, context, delete: false)
        }
        api.delete("dags/:dag_id/assets/queuedEvents") { request, context in
            try await dagQueue(request, context, delete: true)
        }
    }

    /// The queue entries of one asset (an unknown asset has none, as in Airflow), or deletes them (204; 404 when
    /// there were none).
    func assetQueue(_ request: Request, _ context: EventideRequestContext, delete: Bool) async throws -> Response {
        let id = try QueryParameters.integerPath("asset_id", context)
        let before = try QueryParameters.before(request)
        let asset = try await scheduler.assetRecord(id: id)?.key
        if delete {
            let deleted = try await asset.asyncMap { try await scheduler.deleteQueuedEvents(asset: $0, before: before) }
            guard (deleted ?? 0) > 0 else {
                throw HTTPProblem(.notFound, detail: "Queue event with asset_id: `\(id)` was not found")
            }
            return Response(status: .noContent)
        }
        let queued = try await asset.asyncMap { try await scheduler.queuedEvents(asset: $0, before: before) } ?? []
        return try await queueAnswer(queued)
    }

    /// The queue entries of one DAG (an unknown DAG has none, as in Airflow), or deletes them (204; 404 when
    /// there were none).
    func dagQueue(_ request: Request, _ context: EventideRequestContext, delete: Bool) async throws -> Response {
        let dagId = try QueryParameters.path("dag_id", context)
        let before = try QueryParameters.before(request)
        do {
            if delete {
                guard try await scheduler.deleteQueuedEvents(dagId: dagId, before: before) > 0 else {
                    throw HTTPProblem(.notFound, detail: "Queue event with dag_id: `\(dagId)` was not found")
                }
                return Response(status: .noContent)
            }
            return try await queueAnswer(try await scheduler.queuedEvents(dagId: dagId, before: before))
        } catch DagError.unknownDag {
            if delete { throw HTTPProblem(.notFound, detail: "Queue event with dag_id: `\(dagId)` was not found") }
            return try await queueAnswer([])
        }
    }

    /// `QueuedEventCollectionResponse`: one entry per DAG and asset, oldest first.
    func queueAnswer(_ queued: [QueuedAssetEvent]) async throws -> Response {
        var entries: [(dagId: String, asset: AssetKey, createdAt: Date)] = []
        for item in queued where !entries.contains(where: { $0.dagId == item.dagId && $0.asset == item.event.asset }) {
            entries.append((item.dagId, item.event.asset, item.event.timestamp))
        }
        var items: [JSONValue] = []
        for entry in entries {
            let id = try await scheduler.assetRecord(for: entry.asset)?.id ?? -1
            items.append(AirflowJSON.queuedEvent(dagId: entry.dagId, assetId: id, createdAt: entry.createdAt))
        }
        return .json(AirflowJSON.collection("queued_events", items, total: items.count))
    }
}

extension Optional where Wrapped: Sendable {
    /// `map` with an asynchronous transform.
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
