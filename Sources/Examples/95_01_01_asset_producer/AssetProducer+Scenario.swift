import Eventide
import EventideCLI
import Foundation

/// Drives `AssetProducer.swift`: declares assets from URIs as written (some refused), registers the producer,
/// triggers it `runs` times with one failing run, and records what each run emitted as it finishes.
extension AssetProducer {
    static let item = "95.1.1"
    static let title = "Asset Producer Pattern"

    struct Configuration: Sendable {
        var runs = 3
        var failingRun = 2
        /// URIs to declare: the valid ones become assets (the first two the outlets), the others show the refusal.
        var uris = [
            "S3://Warehouse/orders/daily/", "s3://warehouse/orders/totals?region=eu&currency=EUR#latest",
            "s3://etl:secret@warehouse/orders/archive", "orders.csv", "airflow://orders", "   ",
        ]
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// Fewer than two of the configured URIs were valid: the producer needs two outlets.
        case notEnoughOutlets(valid: Int)
        /// The runs finished did not include the one just triggered (runs are triggered one at a time).
        case runNotFinished(runId: String)

        var description: String {
            switch self {
            case .runNotFinished(let runId):
                "run \(runId) of \(dagId) was not among its finished runs; another process may be using the store"
            case .notEnoughOutlets(let valid):
                "the producer needs two valid URIs for its outlets, got \(valid); fix the URIs in the configuration"
            }
        }
    }

    /// Why `Asset(uri:)` refused a URI, as measured (the `AssetError` case).
    enum Refusal: String, Codable, Sendable, Hashable {
        case emptyURI, missingScheme, reservedScheme, other

        init(_ error: AssetError) {
            switch error {
            case .emptyURI: self = .emptyURI
            case .missingScheme: self = .missingScheme
            case .reservedScheme: self = .reservedScheme
            default: self = .other
            }
        }
    }

    struct DeclaredAsset: Codable, Sendable, Hashable {
        let input: String
        let uri: String
        let warnings: [String]
    }

    struct RejectedURI: Codable, Sendable, Hashable {
        let input: String
        let refusal: Refusal
    }

    struct EmittedEvent: Codable, Sendable, Hashable {
        let eventId: Int64
        let asset: String
        let sourceTask: String
        let rowCount: Int?
    }

    struct TaskResult: Codable, Sendable, Hashable {
        let taskId: String
        let state: TaskState
    }

    struct ProducerRun: Codable, Sendable, Hashable {
        let number: Int
        let runId: String
        let state: DagRunState
        /// The run's tasks in DAG order.
        let tasks: [TaskResult]
        /// The asset events in the store whose source is this run, read when the run finished.
        let emitted: [EmittedEvent]
    }

    struct Outcome: Codable, Sendable {
        let declared: [DeclaredAsset]
        let rejected: [RejectedURI]
        /// Task id → URIs of its outlets, as registered.
        let outlets: [String: [String]]
        let runs: [ProducerRun]
        /// Asset events in the store after all runs, per asset URI.
        let storedEventsPerAsset: [String: Int]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        var declared: [DeclaredAsset] = [], rejected: [RejectedURI] = [], assets: [Asset] = []
        for input in configuration.uris {
            switch declare(input) {
            case .success(let asset):
                assets.append(asset)
                declared.append(DeclaredAsset(input: input, uri: asset.uri, warnings: asset.warnings))
                timeline.note(
                    "declared asset \(asset.uri)  (from \(input.debugDescription))"
                        + (asset.warnings.isEmpty ? "" : "; warning: " + asset.warnings.joined(separator: "; ")))
            case .failure(let error):
                rejected.append(RejectedURI(input: input, refusal: Refusal(error)))
                timeline.note("refused URI \(input.debugDescription): \(error.description)")
            }
        }
        guard assets.count >= 2 else { throw ScenarioError.notEnoughOutlets(valid: assets.count) }
        let (orders, totals) = (assets[0], assets[1])

        let orchestrator = Orchestrator(database: database)
        let dag = try producerDag(orders: orders, totals: totals, failingRun: configuration.failingRun)
        try await orchestrator.register(dags: [dag], assets: assets)
        try await orchestrator.requireFreshStore()
        let outlets = Dictionary(
            uniqueKeysWithValues: dag.tasks.filter { !$0.outlets.isEmpty }
                .map { ($0.taskId, $0.outlets.map(\.uri)) })
        timeline.note(
            "registered DAG \(dagId): extract → transform → publish, outlets of publish: "
                + (outlets["publish"] ?? []).joined(separator: ", "))

        let scheduler = orchestrator.scheduler
        let runs = try await orchestrator.withServices {
            var runs: [ProducerRun] = []
            for number in 1...configuration.runs {
                runs.append(try await produce(number, scheduler: scheduler, timeline: timeline))
            }
            return runs
        }
        var perAsset: [String: Int] = [:]
        for asset in [orders, totals] { perAsset[asset.uri] = try await scheduler.assetEvents(for: asset.key).count }
        let outcome = Outcome(
            declared: declared, rejected: rejected, outlets: outlets, runs: runs,
            storedEventsPerAsset: perAsset)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Triggers run `number`, waits for it to finish, and reads the asset events the store holds from it; the
    /// note is stamped with the time the run ended.
    static func produce(_ number: Int, scheduler: Scheduler, timeline: Timeline) async throws -> ProducerRun {
        let ref = try await scheduler.triggerRun(dagId, conf: ["run": .number(Double(number))])
        let finished = try await scheduler.waitForFinishedRuns(of: dagId, count: number)
        guard let run = finished.first(where: { $0.runId == ref.runId }) else {
            throw ScenarioError.runNotFinished(runId: ref.runId)
        }
        let emitted = try await scheduler.allAssetEvents().compactMap { event -> EmittedEvent? in
            guard case .task(_, let runId, let taskId) = event.source, runId == ref.runId else { return nil }
            return EmittedEvent(
                eventId: event.id, asset: event.asset.uri, sourceTask: taskId,
                rowCount: event.extra["row_count"]?.exactIntegerValue)
        }
        let tasks = run.taskInstances.map { TaskResult(taskId: $0.taskId, state: $0.state) }
        let text =
            "run \(number) \(run.state.rawValue) ["
            + tasks.map { "\($0.taskId)=\($0.state.rawValue)" }.joined(separator: " ") + "] → "
            + (emitted.isEmpty
                ? "no asset events"
                : emitted.map { "event #\($0.eventId) \($0.asset) row_count=\($0.rowCount.map(String.init) ?? "none")" }
                    .joined(separator: ", "))
        if let ended = run.endedAt { timeline.note(text, at: ended) } else { timeline.note(text) }
        return ProducerRun(number: number, runId: run.runId, state: run.state, tasks: tasks, emitted: emitted)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let succeeded = outcome.runs.filter { $0.state == .success }
        let failed = outcome.runs.filter { $0.state == .failed }
        let fromSucceeded = succeeded.map(\.emitted.count).reduce(0, +)
        let fromFailed = failed.map(\.emitted.count).reduce(0, +)
        let outletCount = outcome.outlets["publish"]?.count ?? 0
        let perRun = Set(succeeded.map(\.emitted.count)).sorted().map(String.init).joined(separator: " or ")
        return [
            "URIs declared: \(outcome.declared.count), refused with a reason: \(outcome.rejected.count)",
            "runs: \(outcome.runs.count), succeeded: \(succeeded.count), failed: \(failed.count)",
            "asset events from successful runs: \(fromSucceeded) (\(perRun.isEmpty ? "none" : perRun) per run, "
                + "\(outletCount) outlets); from failed runs: \(fromFailed)",
            "stored per asset: "
                + outcome.storedEventsPerAsset.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ", "),
        ]
    }
}
