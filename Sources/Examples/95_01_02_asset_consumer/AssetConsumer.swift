import Eventide
import EventideCLI
import Foundation

/// 95.1.2 — consumer DAGs declare the assets they need as their schedule; the scheduler starts them when
/// those assets are updated, and each run knows exactly which asset events (and so which producer runs)
/// triggered it.
enum AssetConsumer {
    static let item = "95.1.2"
    static let title = "Asset Consumer Pattern"

    struct Configuration: Sendable {
        var batches = 2
    }

    struct TriggeringEvent: Codable, Sendable, Hashable {
        let eventId: Int64
        let asset: String
        let producerDag: String
        let producerRun: String
        let correlationId: String?
    }

    struct ConsumerRun: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let state: DagRunState
        /// Task ids in the order they started.
        let taskOrder: [String]
        let triggeredBy: [TriggeringEvent]
        /// What the report task returned: rows summed from the triggering events and their correlation ids.
        let report: JSONValue
    }

    struct Outcome: Codable, Sendable {
        /// Consumer DAG → the assets its schedule waits on.
        let schedules: [String: [String]]
        let producerRuns: [String]
        let consumerRuns: [ConsumerRun]
        /// Events still queued for each consumer at the end (waiting for the rest of its condition).
        let stillQueued: [String: [Int64]]
    }

    static let reportDag = "orders_report"
    static let joinDag = "customer_orders"

    static func assets() throws -> (orders: Asset, customers: Asset) {
        (try Asset(uri: "s3://warehouse/orders/daily"), try Asset(uri: "s3://warehouse/customers"))
    }

    /// A producer whose `publish` task writes `asset` and tags the event with the run's correlation id.
    static func producer(_ dagId: String, writes asset: Asset) throws -> DAG {
        try DAG(dagId, tasks: [TaskDefinition("publish", outlets: [asset]) { context in
            TaskOutput(outletExtra: [asset.key: ["correlation_id": context.conf["correlation_id"] ?? .null,
                                                 "rows": context.conf["rows"] ?? 0]])
        }])
    }

    /// A consumer: validate → aggregate → report, each reading what the one before produced.
    static func consumer(_ dagId: String, schedule: Schedule) throws -> DAG {
        try DAG(dagId, schedule: schedule, tasks: [
            TaskDefinition("validate") { context in
                let events = context.triggeringAssetEvents
                guard !events.isEmpty, events.allSatisfy({ $0.extra["correlation_id"]?.stringValue != nil }) else {
                    throw ExampleError("a triggering event has no correlation_id")
                }
                return TaskOutput(value: .array(events.map { .number(Double($0.id)) }))
            },
            TaskDefinition("aggregate", upstream: ["validate"]) { context in
                let rows = context.triggeringAssetEvents.compactMap { $0.extra["rows"]?.doubleValue }.reduce(0, +)
                return TaskOutput(value: ["rows": .number(rows)])
            },
            TaskDefinition("report", upstream: ["aggregate"]) { context in
                let correlation = Set(context.triggeringAssetEvents.compactMap { $0.extra["correlation_id"]?.stringValue })
                return TaskOutput(value: ["rows": context.upstreamValues["aggregate"]?["rows"] ?? 0,
                                          "correlation_ids": .array(correlation.sorted().map(JSONValue.string)),
                                          "events": context.upstreamValues["validate"] ?? .null])
            },
        ])
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (orders, customers) = try assets()
        let dags = [
            try producer("orders_producer", writes: orders),
            try producer("customers_producer", writes: customers),
            try consumer(reportDag, schedule: .on([orders])),
            try consumer(joinDag, schedule: .on([orders, customers])),
        ]
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: dags)
        let schedules = [reportDag: [orders.uri], joinDag: [orders.uri, customers.uri]]
        timeline.note("\(reportDag) scheduled on [\(orders.uri)]")
        timeline.note("\(joinDag) scheduled on [\(orders.uri), \(customers.uri)]")

        // The producer runs, in order: orders batch 1, customers, orders batch 2…
        let plan: [(dag: String, correlation: String, rows: Int)] =
            [("orders_producer", "batch-1", 120), ("customers_producer", "batch-1", 40)]
            + (1..<configuration.batches).map { ("orders_producer", "batch-\($0 + 1)", 100 + 20 * ($0 + 1)) }
        let scheduler = orchestrator.scheduler
        let producerRuns = try await orchestrator.withServices {
            var refs: [String] = []
            var finished: [String: Int] = [:]
            for step in plan {
                let ref = try await scheduler.triggerRun(step.dag, conf: ["correlation_id": .string(step.correlation),
                                                                           "rows": .number(Double(step.rows))])
                refs.append(ref.runId)
                finished[step.dag, default: 0] += 1
                _ = try await scheduler.waitForFinishedRuns(of: step.dag, count: finished[step.dag]!)
                timeline.note("\(step.dag) run \(finished[step.dag]!) (\(step.correlation), \(step.rows) rows) succeeded")
                // Wait for every consumer run this update created to finish before the next update.
                for consumer in [reportDag, joinDag] {
                    let created = try await scheduler.runs(of: consumer).count
                    let done = try await scheduler.waitForFinishedRuns(of: consumer, count: created)
                    if let last = done.last, created > 0, finished[consumer] != created {
                        finished[consumer] = created
                        let ids = last.triggeringAssetEvents.map { "#\($0.id)" }.joined(separator: ", ")
                        timeline.note("  → \(consumer) run \(created) \(last.state.rawValue), triggered by events \(ids)")
                    }
                }
                let waiting = try await scheduler.queuedEvents(for: joinDag)
                if !waiting.isEmpty {
                    timeline.note("  \(joinDag) waiting: \(waiting.count) event(s) queued, condition not yet met")
                }
            }
            return refs
        }

        var consumerRuns: [ConsumerRun] = []
        var stillQueued: [String: [Int64]] = [:]
        for dagId in [reportDag, joinDag] {
            for run in try await scheduler.runs(of: dagId) {
                let triggering = run.triggeringAssetEvents.map { event -> TriggeringEvent in
                    var dag = "", producerRun = ""
                    if case .task(let d, let r, _) = event.source { dag = d; producerRun = r }
                    return TriggeringEvent(eventId: event.id, asset: event.asset.uri, producerDag: dag,
                                           producerRun: producerRun,
                                           correlationId: event.extra["correlation_id"]?.stringValue)
                }
                let order = run.taskInstances.sorted { ($0.startedAt ?? .distantFuture) < ($1.startedAt ?? .distantFuture) }
                    .map(\.taskId)
                consumerRuns.append(ConsumerRun(dagId: dagId, runId: run.runId, state: run.state, taskOrder: order,
                                                triggeredBy: triggering,
                                                report: run.task("report")?.returnValue ?? .null))
            }
            stillQueued[dagId] = try await scheduler.queuedEvents(for: dagId).map(\.id)
        }
        let outcome = Outcome(schedules: schedules, producerRuns: producerRuns, consumerRuns: consumerRuns,
                              stillQueued: stillQueued)
        let reportRuns = consumerRuns.filter { $0.dagId == reportDag }
        let joinRuns = consumerRuns.filter { $0.dagId == joinDag }
        let proved = [
            "producer runs: \(producerRuns.count); \(reportDag) runs: \(reportRuns.count) (one per orders update)",
            "\(joinDag) runs: \(joinRuns.count), each consuming orders and customers events together; "
                + "queued at the end: \(stillQueued[joinDag]?.count ?? 0)",
            "every consumer run ran validate → aggregate → report: "
                + "\(consumerRuns.allSatisfy { $0.taskOrder == ["validate", "aggregate", "report"] && $0.state == .success })",
            "correlation ids seen by consumers: "
                + Set(consumerRuns.flatMap { $0.triggeredBy.compactMap(\.correlationId) }).sorted().joined(separator: ", "),
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
