import Eventide
import EventideCLI
import Foundation

/// Drives `MultiEventRuns.swift` on a manual clock, so every time below is the runtime's time, not the machine's:
/// a burst of orders and a payment settled by one run, first with the executor's serial default, then with four
/// tasks per run; then a click stream aggregated by the active-run limit and by a 30 s window.
extension MultiEventRuns {
    static let item = "117.4.3"
    static let title = "Multi-Event DAG Runs"
    static let branches = 4
    static let work = Duration.seconds(10)
    static let window = Duration.seconds(30)

    /// How many branches run at once, as the branches themselves observe it.
    actor Concurrency {
        private(set) var current = 0
        private(set) var peak = 0
        func enter() { current += 1; peak = max(peak, current) }
        func leave() { current -= 1 }
    }

    /// A run and the events it consumed (`asset#id`, in id order).
    struct RunRecord: Codable, Sendable, Hashable {
        let dagId: String
        let runId: String
        let runType: DagRunType
        let consumed: [Int64]
        let consumedAssets: [String]
        /// Seconds on the phase's clock.
        let startedAt: Double
        let endedAt: Double
    }

    /// When a branch task ran (seconds on the phase's clock) and which orders it settled.
    struct BranchSpan: Codable, Sendable, Hashable {
        let taskId: String
        let orders: [Int64]
        let startedAt: Double
        let endedAt: Double
    }

    /// One settlement run under one executor setting.
    struct BranchPhase: Codable, Sendable, Hashable {
        let maxActiveTasksPerRun: Int
        let run: RunRecord
        /// What `collect` read from `context.triggeringAssetEvents`, and the payment events among them.
        let seenByCollect: [Int64]
        let paymentsSeen: [Int64]
        let spans: [BranchSpan]
        /// The most branches the branches themselves saw running at once.
        let peakConcurrentBranches: Int
        /// The orders `join` received from the branches.
        let joined: [Int64]
        /// What the DAG still awaited after each order of the burst, before the payment came.
        let awaitingBeforePayment: [String]
    }

    struct Aggregation: Codable, Sendable, Hashable {
        let clicks: [Int64]
        /// How many clicks waited in `tally_clicks`' queue while its first run held the active-run limit.
        let queuedAtLimit: Int
        let tally: [RunRecord]
        let window: [RunRecord]
    }

    struct Outcome: Codable, Sendable {
        let serial: BranchPhase
        let parallel: BranchPhase
        let aggregation: Aggregation
    }

    static func run(database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let assets = try Assets()
        let serial = try await settlement(
            perRun: 1, dagId: "settle_serial", assets: assets, database: database, epoch: wholeMillisecond(),
            timeline: timeline,
            fresh: true)
        let parallel = try await settlement(
            perRun: branches, dagId: "settle_parallel", assets: assets, database: database,
            epoch: date(serial.phase.run.endedAt + 1, from: serial.epoch), timeline: timeline, fresh: false)
        let aggregation = try await aggregate(
            assets: assets, database: database, epoch: date(parallel.phase.run.endedAt + 1, from: parallel.epoch),
            timeline: timeline)
        let outcome = Outcome(serial: serial.phase, parallel: parallel.phase, aggregation: aggregation)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func date(_ seconds: Double, from epoch: Date) -> Date { epoch.addingTimeInterval(seconds) }

    /// Now, rounded up to the millisecond (the store keeps dates to the millisecond).
    static func wholeMillisecond() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.up) / 1000)
    }

    /// A burst of four orders, then the payment that completes `orders & payments`: one run, fanned out to the
    /// branches and joined, on an orchestrator running `perRun` tasks of a run at once.
    static func settlement(
        perRun: Int, dagId: String, assets: Assets, database: EventideDatabase, epoch: Date, timeline: Timeline,
        fresh: Bool
    ) async throws -> (phase: BranchPhase, epoch: Date) {
        let clock = ManualClock(epoch: epoch)
        let orchestrator = Orchestrator(
            database: database, clock: EventideClock(clock), executor: ExecutorSettings(maxActiveTasksPerRun: perRun))
        let concurrency = Concurrency()
        let dag = try settleDag(dagId, assets: assets, branches: branches) { context, _ in
            await concurrency.enter()
            do { try await context.clock.sleep(for: work) } catch {
                await concurrency.leave()
                throw error
            }
            await concurrency.leave()
        }
        try await orchestrator.register(dags: [dag], assets: assets.all)
        if fresh { try await orchestrator.requireFreshStore() }
        let scheduler = orchestrator.scheduler
        let seconds = { (date: Date?) in MultiEventRuns.seconds(date, since: epoch) }
        let (run, awaiting) = try await orchestrator.withServices {
            var awaiting: [String] = []
            for n in 1...4 {
                let order = try await scheduler.recordAssetEvent(
                    assets.orders.key, source: .api(messageId: "\(dagId)-o\(n)"))
                awaiting = try await scheduler.queueSnapshot(of: dagId).awaiting
                timeline.note(
                    "\(dagId): order #\(order.event.id) queued, runs created \(order.createdRuns.count), "
                        + "awaiting \(awaiting.joined(separator: ", "))", at: order.event.timestamp)
                await clock.advance(by: .seconds(1))
            }
            let payment = try await scheduler.recordAssetEvent(
                assets.payments.key, source: .api(messageId: "\(dagId)-p"))
            timeline.note(
                "\(dagId): payment #\(payment.event.id) completes orders & payments: \(payment.createdRuns.count) run",
                at: payment.event.timestamp)
            if perRun >= branches {
                try await clock.waitForSleepers(branches)  // all four branches settle at once
                await clock.advance(by: work)
            } else {
                for _ in 1...branches {  // one branch at a time
                    try await clock.waitForSleepers(1)
                    await clock.advance(by: work)
                }
            }
            let runs = try await scheduler.waitForFinishedRuns(of: dagId, count: 1)
            return (try requireRun(runs.first, dagId), awaiting)
        }
        let record = runRecord(run, epoch: epoch)
        let spans = run.taskInstances.filter { $0.taskId.hasPrefix("settle_") }.map { task in
            BranchSpan(
                taskId: task.taskId, orders: int64s(task.returnValue),
                startedAt: seconds(task.startedAt), endedAt: seconds(task.endedAt))
        }
        for span in spans {
            timeline.note(
                "\(dagId): \(span.taskId) settled orders \(ids(span.orders)) (\(span.startedAt) s → \(span.endedAt) s)",
                at: date(span.endedAt, from: epoch))
        }
        let peak = await concurrency.peak
        let phase = BranchPhase(
            maxActiveTasksPerRun: perRun, run: record,
            seenByCollect: int64s(run.task("collect")?.returnValue?["all"]),
            paymentsSeen: int64s(run.task("collect")?.returnValue?["payments"]),
            spans: spans, peakConcurrentBranches: peak, joined: int64s(run.task("join")?.returnValue),
            awaitingBeforePayment: awaiting)
        timeline.note(
            "\(dagId) (maxActiveTasksPerRun \(perRun)): run consumed \(ids(record.consumed)), "
                + "joined \(phase.joined.count) orders, at most \(peak) branch(es) at once, "
                + "\(record.endedAt - record.startedAt) s", at: date(record.endedAt, from: epoch))
        return (phase, epoch)
    }

    /// Clicks at 0, 2, 4, 6, 35 and 38 s: `tally_clicks` (10 s per run, one run at a time) and `window_clicks`
    /// (a run per 30 s window) aggregate the same stream.
    static func aggregate(
        assets: Assets, database: EventideDatabase, epoch: Date, timeline: Timeline
    ) async throws -> Aggregation {
        let clock = ManualClock(epoch: epoch)
        let orchestrator = Orchestrator(database: database, clock: EventideClock(clock))
        try await orchestrator.register(
            dags: [try tallyDag(assets: assets, work: work), try windowDag(assets: assets, window: window)],
            assets: assets.all)
        let scheduler = orchestrator.scheduler
        return try await orchestrator.withServices {
            try await clock.waitForSleepers(1)  // the window's timetable
            var clicks: [Int64] = [], queuedAtLimit = 0, elapsed = Duration.zero
            func advance(to time: Duration, sleepers: Int) async throws {
                try await clock.waitForSleepers(sleepers)  // the timetable, and a tally run's task if one runs
                await clock.advance(by: time - elapsed)
                elapsed = time
            }
            func click(_ n: Int) async throws {
                let recorded = try await scheduler.recordAssetEvent(assets.clicks.key, source: .api(messageId: "c\(n)"))
                clicks.append(recorded.event.id)
                let queued = try await scheduler.queuedEvents(for: "tally_clicks").count
                timeline.note(
                    "click #\(recorded.event.id): runs created \(recorded.createdRuns.map(\.dagId)), "
                        + "queued for tally_clicks \(queued), for window_clicks "
                        + "\(try await scheduler.queuedEvents(for: "window_clicks").count)",
                    at: recorded.event.timestamp)
                queuedAtLimit = max(queuedAtLimit, queued)
            }
            try await click(1)
            for (n, at) in [(2, 2), (3, 4), (4, 6)] {
                try await advance(to: .seconds(at), sleepers: 2)
                try await click(n)
            }
            try await advance(to: .seconds(10), sleepers: 2)  // run 1 ends; run 2 takes the three queued clicks
            _ = try await scheduler.waitForFinishedRuns(of: "tally_clicks", count: 1)
            try await advance(to: .seconds(20), sleepers: 2)
            _ = try await scheduler.waitForFinishedRuns(of: "tally_clicks", count: 2)
            try await advance(to: .seconds(30), sleepers: 1)  // the first window closes
            _ = try await scheduler.waitForFinishedRuns(of: "window_clicks", count: 1)
            try await advance(to: .seconds(35), sleepers: 1)
            try await click(5)
            try await advance(to: .seconds(38), sleepers: 2)
            try await click(6)
            try await advance(to: .seconds(45), sleepers: 2)
            _ = try await scheduler.waitForFinishedRuns(of: "tally_clicks", count: 3)
            try await advance(to: .seconds(55), sleepers: 2)
            let tally = try await scheduler.waitForFinishedRuns(of: "tally_clicks", count: 4)
            try await advance(to: .seconds(60), sleepers: 1)  // the second window closes
            let windows = try await scheduler.waitForFinishedRuns(of: "window_clicks", count: 2)
            let records = (tally + windows).map { runRecord($0, epoch: epoch) }.sorted {
                ($0.endedAt, $0.dagId) < ($1.endedAt, $1.dagId)
            }
            for record in records {
                timeline.note(
                    "\(record.dagId) \(record.runType.rawValue) run (\(record.startedAt) s → \(record.endedAt) s) "
                        + "consumed \(ids(record.consumed))", at: date(record.endedAt, from: epoch))
            }
            return Aggregation(
                clicks: clicks, queuedAtLimit: queuedAtLimit, tally: records.filter { $0.dagId == "tally_clicks" },
                window: records.filter { $0.dagId == "window_clicks" })
        }
    }

    static func runRecord(_ run: DagRun, epoch: Date) -> RunRecord {
        let events = run.triggeringAssetEvents.sorted { $0.id < $1.id }
        return RunRecord(
            dagId: run.dagId, runId: run.runId, runType: run.runType, consumed: events.map(\.id),
            consumedAssets: events.map { "\($0.asset.name)#\($0.id)" },
            startedAt: seconds(run.startedAt, since: epoch), endedAt: seconds(run.endedAt, since: epoch))
    }

    /// Seconds on a phase's clock, to the millisecond the store keeps.
    static func seconds(_ date: Date?, since epoch: Date) -> Double {
        ((date ?? epoch).timeIntervalSince(epoch) * 1000).rounded() / 1000 + 0  // + 0: never -0.0
    }

    static func int64s(_ value: JSONValue?) -> [Int64] {
        (value?.arrayValue ?? []).compactMap { $0.doubleValue.map { Int64($0) } }
    }

    static func ids(_ ids: [Int64]) -> String { "[" + ids.map { "#\($0)" }.joined(separator: ", ") + "]" }

    static func proved(_ outcome: Outcome) -> [String] {
        func line(_ phase: BranchPhase) -> String {
            "maxActiveTasksPerRun \(phase.maxActiveTasksPerRun): one run consumed \(phase.run.consumed.count) events "
                + "(\(phase.run.consumedAssets.joined(separator: ", "))), collect saw \(phase.seenByCollect.count), "
                + "join got \(phase.joined.count) orders from \(phase.spans.count) branches; at most "
                + "\(phase.peakConcurrentBranches) branch(es) at once; run took \(phase.run.endedAt - phase.run.startedAt) s"
        }
        let aggregation = outcome.aggregation
        return [
            line(outcome.serial),
            line(outcome.parallel),
            "tally_clicks (one run at a time): \(aggregation.clicks.count) clicks → \(aggregation.tally.count) runs "
                + aggregation.tally.map { ids($0.consumed) }.joined(separator: " ")
                + "; up to \(aggregation.queuedAtLimit) click(s) waited at the active-run limit",
            "window_clicks (\(Int(window.components.seconds)) s window): \(aggregation.window.count) runs "
                + aggregation.window.map { ids($0.consumed) }.joined(separator: " "),
        ]
    }
}

/// The run the scenario waited for, or a typed error.
enum ScenarioError: Error, Equatable, CustomStringConvertible {
    case noRun(dagId: String)

    var description: String {
        switch self {
        case .noRun(let dagId): "\(dagId) finished no run: the burst did not complete its condition"
        }
    }
}

func requireRun(_ run: DagRun?, _ dagId: String) throws -> DagRun {
    guard let run else { throw ScenarioError.noRun(dagId: dagId) }
    return run
}
