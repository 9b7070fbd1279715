import Eventide
import EventideCLI
import Foundation

/// 95.1.1 — a producer DAG declares the assets it writes as outlets of the task that writes them; each
/// successful run of that task emits one asset event per outlet, and a failed run emits none.
enum AssetProducer {
    static let item = "95.1.1"
    static let title = "Asset Producer Pattern"

    struct Configuration: Sendable {
        var runs = 3
        var failingRun = 2
        /// URIs to declare: the valid ones become assets, the others show the refusal.
        var uris = ["S3://Warehouse/orders/daily/", "s3://warehouse/orders/totals?region=eu&currency=EUR#latest",
                    "s3://etl:secret@warehouse/orders/archive", "orders.csv", "airflow://orders", "   "]
    }

    struct DeclaredAsset: Codable, Sendable, Hashable {
        let input: String
        let uri: String
        let warnings: [String]
    }

    struct RejectedURI: Codable, Sendable, Hashable {
        let input: String
        let error: String
    }

    struct EmittedEvent: Codable, Sendable, Hashable {
        let eventId: Int64
        let asset: String
        let sourceTask: String
        let rowCount: Int?
    }

    struct ProducerRun: Codable, Sendable, Hashable {
        let number: Int
        let runId: String
        let state: DagRunState
        let taskStates: [String]
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

    static let dagId = "orders_producer"

    static func producerDag(orders: Asset, totals: Asset, failingRun: Int) throws -> DAG {
        try DAG(dagId, tasks: [
            TaskDefinition("extract") { context in
                TaskOutput(value: ["rows": .number(Double(100 * run(context)))])
            },
            TaskDefinition("transform", upstream: ["extract"]) { context in
                if run(context) == failingRun { throw ProducerFailure(run: failingRun) }
                return TaskOutput(value: context.upstreamValues["extract"] ?? .null)
            },
            TaskDefinition("publish", upstream: ["transform"], outlets: [orders, totals]) { context in
                let rows = context.upstreamValues["transform"]?["rows"] ?? .null
                return TaskOutput(outletExtra: [orders.key: ["row_count": rows, "run": .number(Double(run(context)))],
                                                totals.key: ["row_count": 1, "run": .number(Double(run(context)))]])
            },
        ])
    }

    /// The run number the example passed in `conf`.
    static func run(_ context: TaskContext) -> Int { context.conf["run"]?.intValue ?? 0 }

    struct ProducerFailure: Error, CustomStringConvertible {
        let run: Int
        var description: String { "transform failed in run \(run) (injected by --fail-run)" }
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        var declared: [DeclaredAsset] = []
        var rejected: [RejectedURI] = []
        var assets: [Asset] = []
        for input in configuration.uris {
            do {
                let asset = try Asset(uri: input)
                assets.append(asset)
                declared.append(DeclaredAsset(input: input, uri: asset.uri, warnings: asset.warnings))
                timeline.note("declared asset \(asset.uri)  (from \(input.debugDescription))")
            } catch {
                rejected.append(RejectedURI(input: input, error: error.description))
                timeline.note("refused URI \(input.debugDescription): \(error.description)")
            }
        }
        guard assets.count >= 2 else { throw ExampleError("need two valid URIs for the outlets, got \(assets.count)") }
        let orders = assets[0], totals = assets[1]

        let orchestrator = Orchestrator(database: database)
        let dag = try producerDag(orders: orders, totals: totals, failingRun: configuration.failingRun)
        try await orchestrator.register(dags: [dag], assets: assets)
        try await orchestrator.requireFreshStore()
        let outlets = Dictionary(uniqueKeysWithValues: dag.tasks.filter { !$0.outlets.isEmpty }
            .map { ($0.taskId, $0.outlets.map(\.uri)) })
        timeline.note("registered DAG \(dagId): extract → transform → publish, outlets of publish: "
            + (outlets["publish"] ?? []).joined(separator: ", "))

        let runs = try await orchestrator.withServices {
            var runs: [ProducerRun] = []
            for number in 1...configuration.runs {
                let ref = try await orchestrator.scheduler.triggerRun(dagId, conf: ["run": .number(Double(number))])
                let finished = try await orchestrator.scheduler.waitForFinishedRuns(of: dagId, count: number)
                guard let run = finished.first(where: { $0.runId == ref.runId }) else { continue }
                let emitted = try await orchestrator.scheduler.allAssetEvents().compactMap { event -> EmittedEvent? in
                    guard case .task(_, let runId, let taskId) = event.source, runId == ref.runId else { return nil }
                    return EmittedEvent(eventId: event.id, asset: event.asset.uri, sourceTask: taskId,
                                        rowCount: event.extra["row_count"]?.intValue)
                }
                let states = run.taskInstances.map { "\($0.taskId)=\($0.state.rawValue)" }
                runs.append(ProducerRun(number: number, runId: run.runId, state: run.state, taskStates: states,
                                        emitted: emitted))
                timeline.note("run \(number) \(run.state.rawValue) [\(states.joined(separator: " "))] → "
                    + (emitted.isEmpty ? "no asset events"
                       : emitted.map { "event #\($0.eventId) \($0.asset) row_count=\($0.rowCount ?? 0)" }
                           .joined(separator: ", ")))
            }
            return runs
        }
        var perAsset: [String: Int] = [:]
        for asset in [orders, totals] {
            perAsset[asset.uri] = try await orchestrator.scheduler.assetEvents(for: asset.key).count
        }
        let outcome = Outcome(declared: declared, rejected: rejected, outlets: outlets, runs: runs,
                              storedEventsPerAsset: perAsset)
        let succeeded = runs.filter { $0.state == .success }.count
        let proved = [
            "URIs declared: \(declared.count), refused with a reason: \(rejected.count)",
            "runs: \(runs.count), succeeded: \(succeeded), failed: \(runs.count - succeeded)",
            "asset events emitted: \(runs.map(\.emitted.count).reduce(0, +)) "
                + "(\(outlets["publish"]?.count ?? 0) outlets × \(succeeded) successful runs; failed runs emitted none)",
            "stored per asset: " + perAsset.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
