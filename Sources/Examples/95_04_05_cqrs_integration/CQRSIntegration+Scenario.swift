import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `CQRSIntegration.swift`: seeded orders through the command DAG (and one it refuses), the query DAG per
/// customer, a burst of commands with queries probing the views meanwhile, and a rebuild of each view from zero.
extension CQRSIntegration {
    static let item = "95.4.5"
    static let title = "CQRS Integration"
    static let customers = ["ada", "grace", "linus"]

    struct Configuration: Sendable {
        var seed: UInt64 = 7
        /// Orders placed before the burst (one more, invalid, is refused by validate).
        var orders = 6
        /// Orders placed at once in the burst.
        var burst = 40
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        case storeNotEmpty(path: String, events: Int64)
        case missingReturnValue(dagId: String, runId: String)

        var description: String {
            switch self {
            case .storeNotEmpty(let path, let events):
                "the database \(path) already holds \(events) event(s) from an earlier run; the example starts from "
                    + "empty views: pass --db a new file, or omit --db for a temporary one"
            case .missingReturnValue(let dagId, let runId):
                "run \(dagId)/\(runId) finished without the task's return value"
            }
        }
    }

    /// One run of the command DAG.
    struct CommandRun: Codable, Sendable, Equatable {
        let command: PlaceOrder
        let runState: DagRunState
        let validate: TaskState?
        let writeEvents: TaskState?
        /// The positions of the events the run wrote (nil: none).
        let firstPosition: Int64?
        let lastPosition: Int64?
    }

    struct Burst: Codable, Sendable, Equatable {
        let commands: Int
        let events: Int64
        /// Query snapshots taken while the burst was written and applied.
        let reads: Int
        /// Reads in which an order's summary had fewer lines applied than it was placed with.
        let halfAppliedReads: Int
        /// The largest number of events the view was behind the store in any read.
        let maxEventsBehindSeen: Int64
        /// The view's lag read right after the burst's last command finished.
        let lagAtLastCommit: ProjectionLag
        /// From then until both views included the last event.
        let caughtUpAfterMilliseconds: Double
    }

    struct Rebuild: Codable, Sendable, Equatable {
        let view: String
        let rebuiltInto: String
        let events: Int
        let documents: Int
        let equalsIncremental: Bool
    }

    struct Outcome: Codable, Sendable {
        let commands: [CommandRun]
        let reports: [CustomerReport]
        let headBeforeBurst: Int64
        let burst: Burst
        let rebuilds: [Rebuild]
        let head: Int64
        let finalReports: [CustomerReport]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let store = EventStore(database: database)
        let used = try await store.headPosition()
        guard used == 0 else { throw ScenarioError.storeNotEmpty(path: database.path, events: used) }
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [
            try placeOrderDag(store: store), try customerReportDag(database: database),
        ])
        try await orchestrator.requireFreshStore()
        // Batches of one event: without whole-append batches, every order would be visible half-applied.
        let runners = [
            try ProjectionRunner(OrderSummaries(), store: store, batchSize: 1),
            try ProjectionRunner(CustomerTotals(), store: store, batchSize: 1),
        ]
        let timeline = Timeline()
        let scheduler = orchestrator.scheduler
        var generator = SeededGenerator(seed: configuration.seed)
        // The seeded orders, then one validate refuses (an sku the catalog does not sell).
        let orders =
            (1...configuration.orders).map { order(number: $0, using: &generator) } + [
                PlaceOrder(
                    orderId: "\(configuration.orders + 1)", customer: "grace",
                    lines: [Line(sku: "caviar", quantity: 1)])
            ]
        let burstOrders = (orders.count + 1..<(orders.count + 1 + configuration.burst)).map {
            order(number: $0, using: &generator)
        }

        let outcome = try await orchestrator.withServices {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for runner in runners { group.addTask { try await runner.run() } }
                defer { group.cancelAll() }

                var commands: [CommandRun] = []
                for order in orders {
                    let ref = try await scheduler.triggerRun("place_order", conf: try json(order))
                    let run = try await finished(ref, scheduler: scheduler)
                    let command = commandRun(order, run)
                    commands.append(command)
                    timeline.note(
                        "place_order order-\(order.orderId) (\(order.customer), \(order.lines.count) line(s)): validate \(command.validate?.rawValue ?? "-"), write_events \(command.writeEvents?.rawValue ?? "-")"
                            + (command.firstPosition.map {
                                " → events at positions \($0)–\(command.lastPosition ?? $0)"
                            } ?? ", no event written"))
                }
                let head = try await store.headPosition()
                for runner in runners { try await runner.waitUntilApplied(head) }
                let reports = try await queryAll(scheduler: scheduler, head: head, timeline: timeline)

                let burst = try await burst(
                    burstOrders, store: store, runners: runners, scheduler: scheduler, timeline: timeline)
                var rebuilds: [Rebuild] = []
                for runner in runners {
                    let copy: any Projection =
                        runner.projection is OrderSummaries
                        ? OrderSummaries(name: runner.projection.name + "_rebuilt")
                        : CustomerTotals(name: runner.projection.name + "_rebuilt")
                    let rebuilt = try ProjectionRunner(copy, store: store)
                    let events = try await rebuilt.rebuild()
                    let documents = try await rebuilt.readModel.documents()
                    let rebuild = Rebuild(
                        view: runner.projection.name, rebuiltInto: copy.name, events: events,
                        documents: documents.count,
                        equalsIncremental: documents == (try await runner.readModel.documents()))
                    rebuilds.append(rebuild)
                    timeline.note(
                        "\(rebuild.view) rebuilt from zero into \(rebuild.rebuiltInto): \(events) events → \(documents.count) documents; equal to the incremental view: \(rebuild.equalsIncremental)"
                    )
                }
                let finalHead = try await store.headPosition()
                let finalReports = try await queryAll(scheduler: scheduler, head: finalHead, timeline: timeline)
                return Outcome(
                    commands: commands, reports: reports, headBeforeBurst: head, burst: burst, rebuilds: rebuilds,
                    head: finalHead, finalReports: finalReports)
            }
        }
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func order(number: Int, using generator: inout SeededGenerator) -> PlaceOrder {
        let skus = prices.keys.sorted()
        let lines = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
            Line(
                sku: skus.randomElement(using: &generator) ?? "apple",
                quantity: Int.random(in: 1...5, using: &generator))
        }
        return PlaceOrder(
            orderId: "\(number)", customer: customers.randomElement(using: &generator) ?? "ada", lines: lines)
    }

    static func finished(_ ref: DagRunRef, scheduler: Scheduler) async throws -> DagRun {
        let runs = try await scheduler.waitForFinishedRuns(
            of: ref.dagId, count: try await scheduler.runs(of: ref.dagId).count)
        guard let run = runs.first(where: { $0.runId == ref.runId }) else {
            throw ScenarioError.missingReturnValue(dagId: ref.dagId, runId: ref.runId)
        }
        return run
    }

    static func commandRun(_ order: PlaceOrder, _ run: DagRun) -> CommandRun {
        let written = run.task("write_events")?.returnValue
        return CommandRun(
            command: order, runState: run.state, validate: run.task("validate")?.state,
            writeEvents: run.task("write_events")?.state,
            firstPosition: written?["first"]?.intValue.map(Int64.init),
            lastPosition: written?["last"]?.intValue.map(Int64.init))
    }

    /// Runs the query DAG once per customer and reads its return value.
    static func queryAll(scheduler: Scheduler, head: Int64, timeline: Timeline) async throws -> [CustomerReport] {
        var reports: [CustomerReport] = []
        for customer in customers {
            let ref = try await scheduler.triggerRun("customer_report", conf: ["customer": .string(customer)])
            let run = try await finished(ref, scheduler: scheduler)
            guard let value = run.task("query")?.returnValue else {
                throw ScenarioError.missingReturnValue(dagId: ref.dagId, runId: ref.runId)
            }
            let report = try decode(CustomerReport.self, value)
            reports.append(report)
            timeline.note(
                "customer_report \(customer) → \(report.total.orders) order(s), revenue \(report.total.revenue); views as of positions \(report.summariesAsOf) and \(report.totalsAsOf) of \(head)"
            )
        }
        return reports
    }

    /// Places `count` orders at once while a reader takes snapshots of the order summaries; measures the lag.
    static func burst(
        _ orders: [PlaceOrder], store: EventStore, runners: [ProjectionRunner], scheduler: Scheduler,
        timeline: Timeline
    ) async throws -> Burst {
        let probe = BurstProbe()
        let headBefore = try await store.headPosition()
        let count = orders.count
        let summaries = ReadModel(database: store.database, view: OrderSummaries().name)
        let runsBefore = try await scheduler.runs(of: "place_order").count
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !probe.done.withLock({ $0 }) {
                    let (checkpoint, views) = try await summaries.read {
                        (try $0.checkpoint(), try $0.documents(as: OrderSummary.self))
                    }
                    let head = try await store.headPosition()
                    let half = views.values.contains { $0.linesApplied != $0.lineCount }
                    probe.seen.withLock {
                        $0.reads += 1
                        $0.halfApplied += half ? 1 : 0
                        $0.maxBehind = max($0.maxBehind, head - checkpoint)
                    }
                    await Task.yield()
                }
            }
            let start = ContinuousClock.now
            for order in orders { try await scheduler.triggerRun("place_order", conf: try json(order)) }
            _ = try await scheduler.waitForFinishedRuns(of: "place_order", count: runsBefore + count)
            let lag = try await runners[0].lag()
            let committed = ContinuousClock.now
            let head = try await store.headPosition()
            for runner in runners { try await runner.waitUntilApplied(head) }
            let caughtUp = (ContinuousClock.now - committed).inMilliseconds
            probe.done.withLock { $0 = true }
            try await group.waitForAll()
            let seen = probe.seen.withLock { $0 }
            timeline.note(
                "burst: \(count) place_order runs wrote \(head - headBefore) events in "
                    + String(format: "%.1f", (committed - start).inMilliseconds) + " ms")
            timeline.note(
                "lag: at the last command's commit order_summaries was \(lag.eventsBehind) event(s) behind (oldest pending "
                    + String(format: "%.1f", lag.age.inMilliseconds) + " ms); both views caught up "
                    + String(format: "%.1f", caughtUp) + " ms later")
            timeline.note(
                "queries during the burst: \(seen.reads) snapshot(s), the view up to \(seen.maxBehind) event(s) behind, orders seen half-applied: \(seen.halfApplied)"
            )
            return Burst(
                commands: count, events: head - headBefore, reads: seen.reads, halfAppliedReads: seen.halfApplied,
                maxEventsBehindSeen: seen.maxBehind, lagAtLastCommit: lag, caughtUpAfterMilliseconds: caughtUp)
        }
    }

    /// What the queries taken during the burst saw, and when to stop taking them.
    final class BurstProbe: Sendable {
        struct Seen { var reads = 0, halfApplied = 0, maxBehind: Int64 = 0 }
        let seen = Mutex(Seen())
        let done = Mutex(false)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let written = outcome.commands.filter { $0.firstPosition != nil }
        let refused = outcome.commands.filter { $0.validate == .failed && $0.firstPosition == nil }
        let fresh = outcome.reports.allSatisfy {
            $0.summariesAsOf == outcome.headBeforeBurst && $0.totalsAsOf == outcome.headBeforeBurst
        }
        let burst = outcome.burst
        return [
            "command DAGs: \(written.count) order(s) validated and written as events, \(refused.count) refused by validate with no event",
            "query DAGs: \(outcome.reports.count) report(s) read from the views only, each as of the store's head: \(fresh)",
            "synchronization: \(burst.events) events of a \(burst.commands)-command burst; view lag at the last commit \(burst.lagAtLastCommit.eventsBehind) event(s), caught up in "
                + String(format: "%.1f", burst.caughtUpAfterMilliseconds) + " ms",
            "materialization: "
                + outcome.rebuilds.map {
                    "\($0.view) rebuilt from zero equals the incremental view: \($0.equalsIncremental)"
                }.joined(separator: "; "),
            "consistency: \(burst.reads) query snapshot(s) during the burst, half-applied orders seen: \(burst.halfAppliedReads)",
        ]
    }
}
