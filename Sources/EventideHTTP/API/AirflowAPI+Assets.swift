import Eventide
import Hummingbird

/// The asset routes: list assets, record an asset event, materialize an asset.
extension AirflowAPI {
    func registerAssets(on api: RouterGroup<EventideRequestContext>) {
        api.get("assets") { request, _ in try await assets(request) }
        api.post("assets/events") { request, context in try await createAssetEvent(request, context) }
        api.post("assets/:asset_id/materialize") { _, context in try await materialize(context) }
    }

    /// `GET /api/v2/assets`: by id, paged, filtered by `uri_pattern` and `name_pattern` (SQL `LIKE`, any case).
    func assets(_ request: Request) async throws -> Response {
        let page = try QueryParameters.page(request)
        let uriPattern = QueryParameters.string("uri_pattern", request).map(LikePattern.init)
        let namePattern = QueryParameters.string("name_pattern", request).map(LikePattern.init)
        let records = try await scheduler.assetRecords().filter {
            (uriPattern?.matches($0.key.uri) ?? true) && (namePattern?.matches($0.key.name) ?? true)
        }
        var items: [JSONValue] = []
        for record in records.dropFirst(page.offset).prefix(page.limit) {
            items.append(
                AirflowJSON.asset(
                    record, usage: await usage(of: record.key),
                    lastEvent: try await scheduler.assetEvents(for: record.key).last))
        }
        return .json(AirflowJSON.collection("assets", items, total: records.count))
    }

    /// The DAGs scheduled on an asset, the tasks writing it (outlets) and reading it (inlets).
    func usage(of key: AssetKey) async -> AirflowJSON.AssetUsage {
        var usage = AirflowJSON.AssetUsage(scheduledDags: await scheduler.consumers(of: key))
        let producers = Set(await scheduler.producers(of: key))
        for dag in await scheduler.registeredDags {
            for task in dag.tasks {
                let reference = AirflowJSON.TaskReference(dagId: dag.dagId, taskId: task.taskId)
                if producers.contains(dag.dagId), task.outlets.contains(where: { $0.key == key }) {
                    usage.producingTasks.append(reference)
                }
                if task.inlets.contains(where: { $0.key == key }) { usage.consumingTasks.append(reference) }
            }
        }
        return usage
    }

    /// `POST /api/v2/assets/events`: records the event as an outlet would (the DAGs scheduled on the asset get it
    /// queued, and the runs whose condition now holds are created, in the same commit), marked
    /// `from_rest_api: true`, and answers it with the runs it created.
    func createAssetEvent(_ request: Request, _ context: EventideRequestContext) async throws -> Response {
        let body = try CreateAssetEventBody(try await RequestBody.object(request, context: context))
        let record = try await asset(body.address)
        var extra = body.extra
        extra["from_rest_api"] = true
        let recorded: Scheduler.Recorded
        do {
            recorded = try await scheduler.recordAssetEvent(record.key, extra: extra, source: .api(messageId: nil))
        } catch AssetError.undeclaredAsset {
            // Stored by an earlier process, not declared by this one: no DAG here can use it.
            throw HTTPProblem(.notFound, detail: "Asset with \(body.address) was not found")
        }
        // The runs as the commit created them (queued, not started): nothing is read back after the commit.
        return .json(
            AirflowJSON.assetEvent(
                recorded.event, asset: record,
                createdRunReferences: recorded.createdRuns.map(Self.createdRunReference)))
    }

    /// Airflow's `DagRunAssetReference` for a run an asset event has just created: queued, with no logical date
    /// (asset-triggered) and not started yet (`AirflowJSON.runReference`'s shape).
    static func createdRunReference(_ ref: DagRunRef) -> JSONValue {
        [
            "run_id": .string(ref.runId), "dag_id": .string(ref.dagId), "logical_date": nil, "start_date": nil,
            "end_date": nil, "state": .string(DagRunState.queued.rawValue), "data_interval_start": nil,
            "data_interval_end": nil,
        ]
    }

    /// The asset an event body addresses: 404 when none matches, 409 when a URI or name is shared by several
    /// assets (an asset's identity is its name and URI together; address it by `asset_id` then).
    func asset(_ address: CreateAssetEventBody.Address) async throws -> AssetRecord {
        let matches: [AssetRecord]
        switch address {
        case .id(let id): matches = try await scheduler.indexedAssetRecord(id: id).map { [$0] } ?? []
        case .uri(let uri): matches = try await scheduler.indexedAssetRecords(uri: uri)
        case .name(let name): matches = try await scheduler.indexedAssetRecords(name: name)
        }
        guard let record = matches.first else {
            throw HTTPProblem(.notFound, detail: "Asset with \(address) was not found")
        }
        guard matches.count == 1 else {
            throw HTTPProblem(
                .conflict, detail: "More than one asset has \(address); address the asset by asset_id")
        }
        return record
    }

    /// `POST /api/v2/assets/{asset_id}/materialize`: triggers the one DAG that produces the asset.
    func materialize(_ context: EventideRequestContext) async throws -> Response {
        let id = try QueryParameters.integerPath("asset_id", context)
        var producers: [String] = []
        if let record = try await scheduler.assetRecord(id: id) {
            producers = await scheduler.producers(of: record.key)
        }
        guard let dagId = producers.first else {
            throw HTTPProblem(.notFound, detail: "No DAG materializes asset with ID: \(id)")
        }
        guard producers.count == 1 else {
            throw HTTPProblem(.conflict, detail: "More than one DAG materializes asset with ID: \(id)")
        }
        let now = scheduler.clock.date
        let ref = try await scheduler.triggerRun(dagId, runType: .manual, at: now)
        return .json(AirflowJSON.dagRun(.created(ref, conf: [:], queuedAt: now)))
    }
}
