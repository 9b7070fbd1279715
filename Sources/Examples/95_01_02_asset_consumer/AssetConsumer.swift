import Eventide
import EventideCLI
import Foundation

/// 95.1.2 — consumer DAGs declare the assets they need as their schedule; the scheduler starts them when
/// those assets are updated, and each run knows exactly which asset events (and so which producer runs and
/// correlation ids) triggered it.
enum AssetConsumer {
    static let item = "95.1.2"
    static let title = "Asset Consumer Pattern"

    struct Configuration: Sendable {
        /// Orders batches; customers publishes once, after the first.
        var batches = 2
    }

    /// One asset event a consumer run consumed, traced to the producer task that emitted it.
    struct TriggeringEvent: Codable, Sendable, Hashable {
        let eventId: Int64
        let asset: String
        let producerDag: String
        let producerRun: String
        let sourceTask: String
        let correlationId: String?
    }

    struct ConsumerRun: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        /// 1 for the DAG's first run.
        let number: Int
        let state: DagRunState
        /// Task ids in the order they started.
        let taskOrder: [String]
        /// From the store (`dag_run_asset_event`): the events the scheduler attached to the run.
        let triggeredBy: [TriggeringEvent]
        /// What the run's `report` task returned: rows, correlation ids, and the lineage it read itself from
        /// `triggeringAssetEvents`.
        let report: JSONValue
    }

    struct ProducerRun: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let correlationId: String
        let rows: Int
        /// Asset events this run's tasks emitted.
        let emitted: [Int64]
        /// Consumer runs that consumed one of those events, as `dag #n`.
        let consumerRuns: [String]
    }

    struct Outcome: Codable, Sendable {
        /// Consumer DAG → the assets its schedule waits on (all of them).
        let schedules: [String: [String]]
        let producerRuns: [ProducerRun]
        let consumerRuns: [ConsumerRun]
        /// Events still queued for each consumer at the end (waiting for the rest of its condition).
        let stillQueued: [String: [Int64]]
    }

    static let reportDag = "orders_report"
    static let joinDag = "customer_orders"
    static let consumerDags = [reportDag, joinDag]

    static func assets() throws -> (orders: Asset, customers: Asset) {
        (try Asset(uri: "s3://warehouse/orders/daily"), try Asset(uri: "s3://warehouse/customers"))
    }

    /// A producer whose `publish` task writes `asset` and copies the run's `correlation_id` and row count from
    /// its conf into the event's extra.
    static func producer(_ dagId: String, writes asset: Asset) throws -> DAG {
        try DAG(dagId, tasks: [TaskDefinition("publish", outlets: [asset]) { context in
            TaskOutput(outletExtra: [asset.key: ["correlation_id": context.conf["correlation_id"] ?? .null,
                                                 "rows": context.conf["rows"] ?? 0]])
        }])
    }

    /// What went wrong in a consumer task.
    struct ConsumerError: Error, CustomStringConvertible {
        let description: String
    }

    /// A consumer: validate → aggregate → report, each reading what the one before returned.
    static func consumer(_ dagId: String, schedule: Schedule) throws -> DAG {
        try DAG(dagId, schedule: schedule, tasks: [
            TaskDefinition("validate") { context in
                let events = context.triggeringAssetEvents
                guard !events.isEmpty else { throw ConsumerError(description: "the run has no triggering asset events") }
                let untagged = events.filter { $0.extra["correlation_id"]?.stringValue == nil }.map { "#\($0.id)" }
                guard untagged.isEmpty else {
                    throw ConsumerError(description: "events \(untagged.joined(separator: ", ")) carry no correlation_id")
                }
                return TaskOutput(value: .array(events.map { .number(Double($0.id)) }))
            },
            TaskDefinition("aggregate", upstream: ["validate"]) { context in
                let rows = context.triggeringAssetEvents.compactMap { $0.extra["rows"]?.doubleValue }.reduce(0, +)
                return TaskOutput(value: ["rows": .number(rows)])
            },
            TaskDefinition("report", upstream: ["aggregate"]) { context in
                let events = context.triggeringAssetEvents
                let correlation = Set(events.compactMap { $0.extra["correlation_id"]?.stringValue })
                let lineage: [JSONValue] = events.map { event in
                    var entry: [String: JSONValue] = ["event": .number(Double(event.id)), "asset": .string(event.asset.uri),
                                                      "correlation_id": event.extra["correlation_id"] ?? .null]
                    if case .task(let dag, let run, let task) = event.source {
                        entry["dag"] = .string(dag)
                        entry["run"] = .string(run)
                        entry["task"] = .string(task)
                    }
                    return .object(entry)
                }
                return TaskOutput(value: ["rows": context.upstreamValues["aggregate"]?["rows"] ?? 0,
                                          "correlation_ids": .array(correlation.sorted().map(JSONValue.string)),
                                          "events": context.upstreamValues["validate"] ?? .null,
                                          "lineage": .array(lineage)])
            },
        ])
    }

    static func traced(_ event: AssetEvent) -> TriggeringEvent {
        var dag = "", run = "", task = ""
        if case .task(let d, let r, let t) = event.source { (dag, run, task) = (d, r, t) }
        return TriggeringEvent(eventId: event.id, asset: event.asset.uri, producerDag: dag, producerRun: run,
                               sourceTask: task, correlationId: event.extra["correlation_id"]?.stringValue)
    }

    /// The assets a condition names, in the order it names them.
    static func leaves(_ condition: AssetCondition) -> [AssetKey] {
        switch condition {
        case .asset(let key): [key]
        case .alias: []
        case .all(let parts), .any(let parts): parts.flatMap(leaves)
        }
    }

    static func describe(_ event: TriggeringEvent) -> String {
        "#\(event.eventId) (\(event.producerDag).\(event.sourceTask), \(event.correlationId ?? "no correlation_id"))"
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (orders, customers) = try assets()
        let report = try consumer(reportDag, schedule: .on([orders]))
        let join = try consumer(joinDag, schedule: .on([orders, customers]))
        let dags = [try producer("orders_producer", writes: orders), try producer("customers_producer", writes: customers),
                    report, join]
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: dags)
        try await orchestrator.requireFreshStore()
        let conditions = [reportDag: report.schedule.condition!, joinDag: join.schedule.condition!]
        let schedules = conditions.mapValues { leaves($0).map(\.uri) }
        for dagId in consumerDags {
            timeline.note("\(dagId) scheduled on [\(schedules[dagId]!.joined(separator: ", "))]: validate → aggregate → report")
        }

        // The producer runs, in order: orders batch 1, customers batch 1, orders batch 2…
        var steps: [(dag: String, correlation: String, rows: Int)] =
            [("orders_producer", "batch-1", 120), ("customers_producer", "batch-1", 40)]
        for batch in stride(from: 2, through: configuration.batches, by: 1) {
            steps.append(("orders_producer", "batch-\(batch)", 100 + 20 * batch))
        }
        let plan = steps
        let scheduler = orchestrator.scheduler
        let producerRefs = try await orchestrator.withServices {
            var refs: [DagRunRef] = []
            var runsSoFar: [String: Int] = [:]
            for step in plan {
                let ref = try await scheduler.triggerRun(step.dag, conf: ["correlation_id": .string(step.correlation),
                                                                           "rows": .number(Double(step.rows))])
                refs.append(ref)
                runsSoFar[step.dag, default: 0] += 1
                let producerRun = try await scheduler.waitForFinishedRuns(of: step.dag, count: runsSoFar[step.dag]!)
                    .first { $0.runId == ref.runId }
                // Outlet events are recorded (and consumer runs created) before the producer run finishes.
                let emitted = try await scheduler.allAssetEvents().filter {
                    if case .task(_, let run, _) = $0.source { run == ref.runId } else { false }
                }
                timeline.note("\(step.dag) run \(runsSoFar[step.dag]!) (conf correlation_id=\(step.correlation), "
                    + "rows=\(step.rows)) \(producerRun?.state.rawValue ?? "?") → "
                    + emitted.map { "event #\($0.id) \($0.asset.uri)" }.joined(separator: ", "))
                for dagId in consumerDags {
                    let created = try await scheduler.runs(of: dagId).count
                    let finished = try await scheduler.waitForFinishedRuns(of: dagId, count: created)
                    let new = finished.dropFirst(runsSoFar[dagId, default: 0])
                    runsSoFar[dagId] = created
                    for run in new {
                        let number = finished.firstIndex(of: run)! + 1
                        timeline.note("  → \(dagId) run \(number) \(run.state.rawValue), consumed "
                            + run.triggeringAssetEvents.map { describe(traced($0)) }.joined(separator: ", "))
                    }
                    guard new.isEmpty else { continue }
                    let queued = try await scheduler.queuedEvents(for: dagId)
                    if !queued.isEmpty {
                        let missing = conditions[dagId]!.missing(updated: Set(queued.map(\.asset)))
                        timeline.note("  \(dagId): no run; " + queued.map { "#\($0.id)" }.joined(separator: ", ")
                            + " queued, waiting on " + missing.map(\.description).joined(separator: ", "))
                    } else if let event = emitted.first, !conditions[dagId]!.assetKeys.contains(event.asset) {
                        timeline.note("  \(dagId): no run (not scheduled on \(event.asset.uri))")
                    }
                }
            }
            return refs
        }

        var consumerRuns: [ConsumerRun] = []
        var stillQueued: [String: [Int64]] = [:]
        for dagId in consumerDags {
            for (index, run) in try await scheduler.runs(of: dagId).enumerated() {
                let order = run.taskInstances.sorted { ($0.startedAt ?? .distantFuture) < ($1.startedAt ?? .distantFuture) }
                    .map(\.taskId)
                consumerRuns.append(ConsumerRun(dagId: dagId, runId: run.runId, number: index + 1, state: run.state,
                                                taskOrder: order, triggeredBy: run.triggeringAssetEvents.map(traced),
                                                report: run.task("report")?.returnValue ?? .null))
            }
            stillQueued[dagId] = try await scheduler.queuedEvents(for: dagId).map(\.id)
        }
        let allEvents = try await scheduler.allAssetEvents()
        let producerRuns = zip(plan, producerRefs).map { step, ref in
            let emitted = allEvents.filter { traced($0).producerRun == ref.runId }.map(\.id)
            let consumers = consumerRuns.filter { run in run.triggeredBy.contains { emitted.contains($0.eventId) } }
                .map { "\($0.dagId) #\($0.number)" }
            return ProducerRun(dagId: ref.dagId, runId: ref.runId, correlationId: step.correlation, rows: step.rows,
                               emitted: emitted, consumerRuns: consumers)
        }
        let outcome = Outcome(schedules: schedules, producerRuns: producerRuns, consumerRuns: consumerRuns,
                              stillQueued: stillQueued)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline,
                             proved: proved(outcome, orders: orders, customers: customers))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome, orders: Asset, customers: Asset) -> [String] {
        let reports = outcome.consumerRuns.filter { $0.dagId == reportDag }
        let joins = outcome.consumerRuns.filter { $0.dagId == joinDag }
        let ordersEvents = outcome.producerRuns.filter { $0.dagId == "orders_producer" }.flatMap(\.emitted)
        let queued = (outcome.stillQueued[joinDag] ?? []).map { "#\($0)" }
        let joinsHaveBoth = joins.allSatisfy { Set($0.triggeredBy.map(\.asset)) == [orders.uri, customers.uri] }
        let consumed = outcome.consumerRuns.flatMap(\.triggeredBy)
        let tracedEvents = consumed.filter { event in
            event.correlationId != nil && outcome.producerRuns.contains { $0.runId == event.producerRun }
        }
        let structured = outcome.consumerRuns.filter { $0.state == .success && $0.taskOrder == ["validate", "aggregate", "report"] }
        let selfReported = outcome.consumerRuns.filter { run in
            run.report["lineage"]?.arrayValue?.compactMap { $0["event"]?.exactIntegerValue.map(Int64.init) }
                == run.triggeredBy.map(\.eventId)
        }
        return [
            "consumer runs per producer run: " + outcome.producerRuns.map {
                "\($0.dagId) \($0.correlationId) → \($0.consumerRuns.count)"
                    + ($0.consumerRuns.isEmpty ? "" : " (\($0.consumerRuns.joined(separator: ", ")))")
            }.joined(separator: "; "),
            "\(reportDag): \(reports.count) run(s) for \(ordersEvents.count) orders event(s), "
                + "\(reports.map(\.triggeredBy.count).reduce(0, +)) event(s) consumed",
            "\(joinDag): \(joins.count) run(s), every one consumed both assets: \(joinsHaveBoth); still queued: "
                + (queued.isEmpty ? "none" : queued.joined(separator: ", ")),
            "validate → aggregate → report succeeded in \(structured.count) of \(outcome.consumerRuns.count) consumer runs",
            "consumed events traced to a producer run and correlation id: \(tracedEvents.count) of \(consumed.count); "
                + "runs whose own report lists exactly the events the scheduler gave them: "
                + "\(selfReported.count) of \(outcome.consumerRuns.count)",
        ]
    }
}
