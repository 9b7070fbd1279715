import Eventide
import EventideCLI
import Foundation

/// Drives `AssetWatcherDeps.swift`: checks the graph, sends an FX rate and two orders through the watchers' queues
/// one at a time (each step settles before the next), then waits for the report's timetable; records what each step
/// ran and the lineage of the last report back to the messages.
extension AssetWatcherDeps {
    static let item = "117.5.2"
    static let title = "Asset Dependencies with Watchers"
    static let dagIds = ["clean_orders", "price_orders", "sales_report"]

    struct Configuration: Sendable {
        /// The period of `sales_report`'s timetable.
        var reportEvery: Duration = .milliseconds(1_500)
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        case cycle
        case unfed(assets: [String])

        var description: String {
            switch self {
            case .cycle: "the asset graph has a cycle: some DAG waits, through assets, on itself"
            case .unfed(let assets):
                "nothing produces or watches \(assets.joined(separator: ", ")): the DAGs scheduled on it would never run"
            }
        }
    }

    /// An event a run consumed, and where it came from.
    struct Consumed: Codable, Sendable, Hashable {
        let id: Int64
        let asset: String
        /// `watcher:<name>` or `task:<dag>.<task>`.
        let source: String
        let fromTrigger: Bool
    }

    struct RunRecord: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let runType: DagRunType
        let consumed: [Consumed]
    }

    /// One message sent, and the runs it led to.
    struct Step: Codable, Sendable, Hashable {
        let message: String
        let asset: String
        let runs: [RunRecord]
        /// What `price_orders` still awaited after the step, when events wait in its queue (else empty).
        let priceOrdersAwaiting: [String]
    }

    struct Outcome: Codable, Sendable {
        let graph: Graph
        let steps: [Step]
        let scheduledReport: RunRecord
        /// From the last asset-triggered report back to the messages, one hop a line.
        let lineage: [String]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let queues = EmbeddedQueue(database: database)
        let assets = try Assets(queues: queues)
        let dags = try dags(assets, reportEvery: configuration.reportEvery)
        let graph = Graph(dags: dags, assets: assets.all)
        guard graph.order != nil else { throw ScenarioError.cycle }
        guard graph.unfed.isEmpty else { throw ScenarioError.unfed(assets: graph.unfed) }
        for edge in graph.edges { timeline.note("graph: \(edge.from) → \(edge.to)") }
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: dags, assets: assets.all)
        try await orchestrator.requireFreshStore()
        for queue in ["orders-in", "fx-in"] { try await queues.createQueue(queue, QueueSettings()) }
        let scheduler = orchestrator.scheduler
        let outcome = try await orchestrator.withServices {
            var steps: [Step] = []
            let messages: [(String, String, JSONValue)] = [
                ("fx-in", "fx EUR/USD 1.08", ["pair": "EUR/USD", "rate": 1.08]),
                ("orders-in", "order o-1", ["order": "o-1", "amount": 120]),
                ("orders-in", "order o-2", ["order": "o-2", "amount": 80]),
                ("fx-in", "fx EUR/USD 1.09", ["pair": "EUR/USD", "rate": 1.09]),
            ]
            var sent: [String: Int] = [:]
            for (queue, label, body) in messages {
                let ledger = try await RunLedger(scheduler, dags: dagIds)
                _ = try await queues.send(queue, body: body.jsonText, attributes: [:])
                sent[queue, default: 0] += 1
                let watcher = queue == "fx-in" ? "fx_in_watcher" : "orders_in_watcher"
                let count = sent[queue] ?? 0
                _ = try await orchestrator.triggerer.waitFor(watcher: watcher) { $0.eventsRecorded == count }
                try await scheduler.waitUntilRunsFinished(dagIds)  // in chain order: each run creates the next
                var runs: [DagRun] = []
                for dagId in dagIds { runs += try await ledger.newRuns(of: dagId) }
                let snapshot = try await scheduler.queueSnapshot(of: "price_orders")
                let awaiting = snapshot.queued.isEmpty ? [] : snapshot.awaiting  // only a partly met condition awaits
                let step = Step(
                    message: label, asset: queue == "fx-in" ? assets.fxRates.name : assets.rawOrders.name,
                    runs: runs.map(record), priceOrdersAwaiting: awaiting)
                steps.append(step)
                note(step, at: runs.last?.endedAt, timeline: timeline)
            }
            // The timetable: the first tick makes a scheduled run that consumes no event.
            let scheduled = try await scheduledReport(scheduler)
            timeline.note(
                "sales_report timetable tick → \(scheduled.runType.rawValue) run consuming \(scheduled.consumed.count) events",
                at: try await scheduler.run(DagRunRef(dagId: "sales_report", runId: scheduled.runId))?.endedAt ?? Date()
            )
            let lastReport = steps.flatMap(\.runs).last { $0.dagId == "sales_report" && $0.runType == .assetTriggered }
            var lineage: [String] = []
            if let lastReport { lineage = try await Self.lineage(of: lastReport, scheduler: scheduler) }
            for hop in lineage { timeline.note("lineage of the last report: \(hop)") }
            return Outcome(graph: graph, steps: steps, scheduledReport: scheduled, lineage: lineage)
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func record(_ run: DagRun) -> RunRecord {
        RunRecord(
            dagId: run.dagId, runId: run.runId, runType: run.runType,
            consumed: run.triggeringAssetEvents.map { event in
                var source = event.source.kind
                if case .watcher(let name, _) = event.source { source = "watcher:\(name)" }
                if case .task(let dag, _, let task) = event.source { source = "task:\(dag).\(task)" }
                return Consumed(id: event.id, asset: event.asset.name, source: source, fromTrigger: event.isFromTrigger)
            })
    }

    /// Waits for `sales_report`'s first finished scheduled run.
    static func scheduledReport(_ scheduler: Scheduler) async throws -> RunRecord {
        var count = try await scheduler.runs(of: "sales_report").count + 1
        while true {
            let runs = try await scheduler.waitForFinishedRuns(of: "sales_report", count: count)
            if let run = runs.first(where: { $0.runType == .scheduled }) { return record(run) }
            count = runs.count + 1
        }
    }

    /// Walks from a run back through the task-produced events it consumed to the watcher-fed ones.
    static func lineage(of run: RunRecord, scheduler: Scheduler) async throws -> [String] {
        var lines: [String] = []
        var pending = [run]
        while let next = pending.first {
            pending.removeFirst()
            for event in next.consumed {
                lines.append("\(next.dagId) consumed #\(event.id) \(event.asset) from \(event.source)")
                guard let stored = try await scheduler.allAssetEvents().first(where: { $0.id == event.id }),
                    case .task(let dag, let runId, _) = stored.source,
                    let producer = try await scheduler.run(DagRunRef(dagId: dag, runId: runId))
                else { continue }
                pending.append(record(producer))
            }
        }
        return lines
    }

    static func note(_ step: Step, at date: Date?, timeline: Timeline) {
        let runs = step.runs.map { run in
            "\(run.dagId) (\(run.runType.rawValue), consumed "
                + run.consumed.map { "#\($0.id) \($0.asset)" }.joined(separator: " + ") + ")"
        }
        let text =
            "\(step.message) → \(step.asset): "
            + (runs.isEmpty ? "no run" : runs.joined(separator: " → "))
            + (step.priceOrdersAwaiting.isEmpty
                ? "" : "; price_orders awaits \(step.priceOrdersAwaiting.joined(separator: ", "))")
        if let date { timeline.note(text, at: date) } else { timeline.note(text) }
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let runs = outcome.steps.flatMap(\.runs)
        let assetRuns = runs.filter { $0.dagId == "sales_report" && $0.runType == .assetTriggered }
        let watcherFed = runs.flatMap(\.consumed).filter(\.fromTrigger).count
        return [
            "graph: \(outcome.graph.edges.count) edges, DAG order \(outcome.graph.order?.joined(separator: " → ") ?? "cyclic"), "
                + "assets nothing feeds: \(outcome.graph.unfed.count)",
            "chain: \(runs.count) runs from \(outcome.steps.count) messages; events consumed that a watcher created: "
                + "\(watcherFed), that a task produced: \(runs.flatMap(\.consumed).count - watcherFed)",
            "sales_report: \(assetRuns.count) asset-triggered runs (each consuming priced_orders), and a scheduled run "
                + "consuming \(outcome.scheduledReport.consumed.count) events",
            "lineage of the last report: \(outcome.lineage.count) hops back to the watchers",
        ]
    }
}
