import Eventide
import Hummingbird

/// The run routes: trigger, list, read one, and the asset events that triggered one.
extension AirflowAPI {
    func registerDagRuns(on api: RouterGroup<EventideRequestContext>) {
        api.post("dags/:dag_id/dagRuns") { request, context in try await triggerDagRun(request, context) }
        api.get("dags/:dag_id/dagRuns") { request, context in try await dagRuns(request, context) }
        api.get("dags/:dag_id/dagRuns/:dag_run_id") { _, context in
            try await Response.json(AirflowJSON.dagRun(run(context)))
        }
        api.get("dags/:dag_id/dagRuns/:dag_run_id/upstreamAssetEvents") { _, context in
            try await upstreamAssetEvents(context)
        }
    }

    /// Creates a manual run with the body's conf, logical date, run id and note, in the order Airflow checks:
    /// the body's shape (422), the DAG (404), the run settings (400), then uniqueness (409). The answer is the
    /// run as created (queued), as Airflow's is, whatever a worker has done with it since.
    func triggerDagRun(_ request: Request, _ context: EventideRequestContext) async throws -> Response {
        let dagId = try QueryParameters.path("dag_id", context)
        let body = try TriggerDagRunBody(try await RequestBody.object(request, context: context))
        do {
            _ = try await scheduler.dag(dagId)
            try body.checkRunSettings()
            let now = scheduler.clock.date
            let ref = try await scheduler.triggerRun(
                dagId, runId: body.dagRunId, conf: .object(body.conf), runType: .manual,
                logicalDate: body.logicalDate, note: body.note, at: now)
            return .json(
                AirflowJSON.dagRun(
                    .created(
                        ref, conf: .object(body.conf), logicalDate: body.logicalDate, note: body.note, queuedAt: now)))
        } catch let error as DagError {
            throw Self.problem(error)
        }
    }

    /// Airflow's answer to a refused trigger.
    static func problem(_ error: DagError) -> HTTPProblem {
        switch error {
        case .unknownDag(let dagId):
            HTTPProblem(.notFound, detail: "DAG with dag_id: '\(dagId)' not found")
        case .duplicateRunId, .duplicateLogicalDate:
            HTTPProblem(
                .conflict,
                detail: ["reason": "Unique constraint violation", "message": .string(error.description)])
        default:
            HTTPProblem(.badRequest, detail: error.description)
        }
    }

    /// `GET …/dagRuns`: oldest first, paged; `~` as the DAG id lists the runs of every DAG.
    func dagRuns(_ request: Request, _ context: EventideRequestContext) async throws -> Response {
        let dagId = try QueryParameters.path("dag_id", context)
        let page = try QueryParameters.page(request)
        var runs: [DagRun] = []
        if dagId == "~" {
            for dag in await scheduler.registeredDags { runs += try await scheduler.runs(of: dag.dagId) }
            runs.sort { ($0.queuedAt, $0.dagId, $0.runId) < ($1.queuedAt, $1.dagId, $1.runId) }
        } else {
            do {
                runs = try await scheduler.runs(of: dagId)
            } catch DagError.unknownDag {
                throw HTTPProblem(.notFound, detail: "The Dag with ID: `\(dagId)` was not found")
            }
        }
        let shown = runs.dropFirst(page.offset).prefix(page.limit).map(AirflowJSON.dagRun)
        return .json(AirflowJSON.collection("dag_runs", Array(shown), total: runs.count))
    }

    /// The run the path names, or 404 with Airflow's message.
    func run(_ context: EventideRequestContext) async throws -> DagRun {
        let ref = DagRunRef(
            dagId: try QueryParameters.path("dag_id", context),
            runId: try QueryParameters.path("dag_run_id", context))
        guard let run = try await scheduler.run(ref) else {
            throw HTTPProblem(
                .notFound,
                detail: "The DagRun with dag_id: `\(ref.dagId)` and run_id: `\(ref.runId)` was not found")
        }
        return run
    }

    /// The asset events an asset-triggered run consumed, each with the runs it created.
    func upstreamAssetEvents(_ context: EventideRequestContext) async throws -> Response {
        let events = try await run(context).triggeringAssetEvents
        let created = try await runsCreated(by: Set(events.map(\.id)))
        var items: [JSONValue] = []
        for event in events {
            items.append(
                AirflowJSON.assetEvent(
                    event, asset: try await scheduler.assetRecord(for: event.asset),
                    createdRuns: created[event.id] ?? []))
        }
        return .json(AirflowJSON.collection("asset_events", items, total: items.count))
    }

    /// For each event id, the runs that consumed it (the runs it created), oldest first.
    func runsCreated(by eventIds: Set<Int64>) async throws -> [Int64: [DagRun]] {
        var created: [Int64: [DagRun]] = [:]
        guard !eventIds.isEmpty else { return created }
        for dag in await scheduler.registeredDags {
            for run in try await scheduler.runs(of: dag.dagId) {
                for event in run.triggeringAssetEvents where eventIds.contains(event.id) {
                    created[event.id, default: []].append(run)
                }
            }
        }
        return created
    }
}
