import Eventide
import EventideCLI
import Foundation

/// Drives `AssetConsumer.swift`: runs the producers in order (orders batch 1, customers, orders batch 2…),
/// and after each records the consumer runs it created, once they finished, and what each consumer still
/// waits on.
extension AssetConsumer {
    static let item = "95.1.2"
    static let title = "Asset Consumer Pattern"

    struct Configuration: Sendable {
        /// Orders batches; customers publishes once, after the first.
        var batches = 2
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// A producer run was not among the finished runs of its DAG after waiting for it.
        case producerRunMissing(DagRunRef)

        var description: String {
            switch self {
            case .producerRunMissing(let ref):
                "producer run \(ref) did not finish; another process may be using the store"
            }
        }
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

    /// A consumer run, by DAG and number (1 for the DAG's first run).
    struct ConsumerRunRef: Codable, Sendable, Hashable, CustomStringConvertible {
        let dagId: String
        let number: Int
        var description: String { "\(dagId) #\(number)" }
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

        var ref: ConsumerRunRef { ConsumerRunRef(dagId: dagId, number: number) }
    }

    struct ProducerRun: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let correlationId: String
        let rows: Int
        /// Asset events this run's tasks emitted.
        let emitted: [Int64]
        /// Consumer runs that consumed one of those events.
        let consumerRuns: [ConsumerRunRef]
    }

    struct Outcome: Codable, Sendable {
        /// Consumer DAG → the assets its schedule waits on (all of them).
        let schedules: [String: [String]]
        let producerRuns: [ProducerRun]
        let consumerRuns: [ConsumerRun]
        /// Events still queued for each consumer at the end (waiting for the rest of its condition).
        let stillQueued: [String: [Int64]]
    }

    static let ordersProducer = "orders_producer", customersProducer = "customers_producer"
    static let reportDag = "orders_report"
    static let joinDag = "customer_orders"
    static let consumerDags = [reportDag, joinDag]

    /// One producer run of the workload.
    struct Step: Sendable {
        let dagId: String
        let correlationId: String
        let rows: Int
    }

    static func plan(batches: Int) -> [Step] {
        var steps = [
            Step(dagId: ordersProducer, correlationId: "batch-1", rows: 120),
            Step(dagId: customersProducer, correlationId: "batch-1", rows: 40),
        ]
        for batch in stride(from: 2, through: batches, by: 1) {
            steps.append(Step(dagId: ordersProducer, correlationId: "batch-\(batch)", rows: 100 + 20 * batch))
        }
        return steps
    }

    static func traced(_ event: AssetEvent) -> TriggeringEvent {
        var dag = "", run = "", task = ""
        if case .task(let d, let r, let t) = event.source { (dag, run, task) = (d, r, t) }
        return TriggeringEvent(
            eventId: event.id, asset: event.asset.uri, producerDag: dag, producerRun: run,
            sourceTask: task, correlationId: event.extra["correlation_id"]?.stringValue)
    }

    /// The assets a condition names, in the order it names them.
    static func leaves(_ condition: AssetCondition?) -> [AssetKey] {
        switch condition {
        case nil, .alias?, .reference?: []
        case .asset(let key)?: [key]
        case .all(let parts)?, .any(let parts)?: parts.flatMap(leaves)
        }
    }

    static func describe(_ event: TriggeringEvent) -> String {
        "#\(event.eventId) (\(event.producerDag).\(event.sourceTask), \(event.correlationId ?? "no correlation_id"))"
    }

    static func note(_ timeline: Timeline, _ text: String, at date: Date?) {
        if let date { timeline.note(text, at: date) } else { timeline.note(text) }
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (orders, customers) = try assets()
        let report = try consumer(reportDag, schedule: .on([orders]))
        let join = try consumer(joinDag, schedule: .on([orders, customers]))
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [
            try producer(ordersProducer, writes: orders),
            try producer(customersProducer, writes: customers), report, join,
        ])
        try await orchestrator.requireFreshStore()
        let schedules = [
            reportDag: leaves(report.schedule.condition).map(\.uri),
            joinDag: leaves(join.schedule.condition).map(\.uri),
        ]
        for dagId in consumerDags {
            timeline.note(
                "\(dagId) scheduled on [\((schedules[dagId] ?? []).joined(separator: ", "))]: "
                    + "validate → aggregate → report")
        }

        let steps = plan(batches: configuration.batches)
        let scheduler = orchestrator.scheduler
        let (refs, consumerRuns) = try await orchestrator.withServices {
            var refs: [DagRunRef] = [], consumerRuns: [ConsumerRun] = []
            for step in steps {
                let ledger = try await RunLedger(scheduler, dags: consumerDags)
                let (ref, updated) = try await produce(step, scheduler: scheduler, timeline: timeline)
                refs.append(ref)
                consumerRuns += try await self.consumerRuns(
                    since: ledger, updated: updated, scheduler: scheduler,
                    timeline: timeline)
            }
            return (refs, consumerRuns)
        }

        var stillQueued: [String: [Int64]] = [:]
        for dagId in consumerDags { stillQueued[dagId] = try await scheduler.queuedEvents(for: dagId).map(\.id) }
        let allEvents = try await scheduler.allAssetEvents()
        let producerRuns = zip(steps, refs).map { step, ref in
            let emitted = allEvents.filter { traced($0).producerRun == ref.runId }.map(\.id)
            let consumers = consumerRuns.filter { run in run.triggeredBy.contains { emitted.contains($0.eventId) } }
            return ProducerRun(
                dagId: ref.dagId, runId: ref.runId, correlationId: step.correlationId, rows: step.rows,
                emitted: emitted, consumerRuns: consumers.map(\.ref))
        }
        let outcome = Outcome(
            schedules: schedules, producerRuns: producerRuns, consumerRuns: consumerRuns,
            stillQueued: stillQueued)
        return ExampleReport(
            item: item, title: title, outcome: outcome, timeline: timeline,
            proved: proved(outcome, orders: orders, customers: customers))
    }

    /// Triggers one producer run and waits for it; the note is stamped with the time it ended.
    static func produce(
        _ step: Step, scheduler: Scheduler,
        timeline: Timeline
    ) async throws -> (DagRunRef, updated: [AssetKey]) {
        let before = try await scheduler.runs(of: step.dagId).count
        let ref = try await scheduler.triggerRun(
            step.dagId,
            conf: [
                "correlation_id": .string(step.correlationId),
                "rows": .number(Double(step.rows)),
            ])
        let finished = try await scheduler.waitForFinishedRuns(of: step.dagId, count: before + 1)
        guard let run = finished.first(where: { $0.runId == ref.runId }) else {
            throw ScenarioError.producerRunMissing(ref)
        }
        // Outlet events are recorded (and consumer runs created) before the producer run finishes.
        let emitted = try await scheduler.allAssetEvents().filter { traced($0).producerRun == ref.runId }
        note(
            timeline,
            "\(step.dagId) run \(before + 1) (conf correlation_id=\(step.correlationId), rows=\(step.rows)) "
                + "\(run.state.rawValue) → "
                + emitted.map { "event #\($0.id) \($0.asset.uri)" }.joined(separator: ", "),
            at: run.endedAt)
        return (ref, emitted.map(\.asset))
    }

    /// The consumer runs created since `ledger` was taken, once they finished (each noted at the time it
    /// ended); for a consumer given none, what it holds queued and still awaits, or that `updated` is not in its
    /// schedule.
    static func consumerRuns(
        since ledger: RunLedger, updated: [AssetKey], scheduler: Scheduler,
        timeline: Timeline
    ) async throws -> [ConsumerRun] {
        try await scheduler.waitUntilRunsFinished(consumerDags)
        var observed: [ConsumerRun] = []
        for dagId in consumerDags {
            let total = try await scheduler.runs(of: dagId).count
            let new = try await ledger.newRuns(of: dagId)
            for (index, run) in new.enumerated() {
                let consumed = ConsumerRun(
                    dagId: dagId, runId: run.runId, number: total - new.count + index + 1, state: run.state,
                    taskOrder: run.taskInstances.sorted {
                        ($0.startedAt ?? .distantFuture) < ($1.startedAt ?? .distantFuture)
                    }
                    .map(\.taskId),
                    triggeredBy: run.triggeringAssetEvents.map(traced),
                    report: run.task("report")?.returnValue ?? .null)
                observed.append(consumed)
                note(
                    timeline,
                    "  → \(dagId) run \(consumed.number) \(run.state.rawValue), consumed "
                        + consumed.triggeredBy.map(describe).joined(separator: ", "), at: run.endedAt)
            }
            guard new.isEmpty else { continue }
            let snapshot = try await scheduler.queueSnapshot(of: dagId)
            let scheduledOn = Set(leaves(try await scheduler.dag(dagId).schedule.condition))
            if !snapshot.queued.isEmpty {
                timeline.note(
                    "  \(dagId): no run; " + snapshot.queued.map { "#\($0.id)" }.joined(separator: ", ")
                        + " queued, waiting on " + snapshot.awaiting.joined(separator: ", "))
            } else if let asset = updated.first(where: { !scheduledOn.contains($0) }) {
                timeline.note("  \(dagId): no run (not scheduled on \(asset.uri))")
            }
        }
        return observed
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome, orders: Asset, customers: Asset) -> [String] {
        let reports = outcome.consumerRuns.filter { $0.dagId == reportDag }
        let joins = outcome.consumerRuns.filter { $0.dagId == joinDag }
        let ordersEvents = outcome.producerRuns.filter { $0.dagId == ordersProducer }.flatMap(\.emitted)
        let queued = (outcome.stillQueued[joinDag] ?? []).map { "#\($0)" }
        let joinsHaveBoth = joins.allSatisfy { Set($0.triggeredBy.map(\.asset)) == [orders.uri, customers.uri] }
        let consumed = outcome.consumerRuns.flatMap(\.triggeredBy)
        let tracedEvents = consumed.filter { event in
            event.correlationId != nil && outcome.producerRuns.contains { $0.runId == event.producerRun }
        }
        let structured = outcome.consumerRuns.filter {
            $0.state == .success && $0.taskOrder == ["validate", "aggregate", "report"]
        }
        let selfReported = outcome.consumerRuns.filter { run in
            run.report["lineage"]?.arrayValue?.compactMap { $0["event"]?.exactIntegerValue.map(Int64.init) }
                == run.triggeredBy.map(\.eventId)
        }
        return [
            "consumer runs per producer run: "
                + outcome.producerRuns.map {
                    "\($0.dagId) \($0.correlationId) → \($0.consumerRuns.count)"
                        + ($0.consumerRuns.isEmpty
                            ? "" : " (\($0.consumerRuns.map(\.description).joined(separator: ", ")))")
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
