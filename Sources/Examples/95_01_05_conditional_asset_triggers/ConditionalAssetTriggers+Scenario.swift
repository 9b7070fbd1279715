import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `ConditionalAssetTriggers.swift`: ten events in a fixed order; each gate decision is noted as the gate
/// makes it, each run's result when it ends, each notify run when it ends.
extension ConditionalAssetTriggers {
    static let item = "95.1.5"
    static let title = "Conditional Asset Triggers"

    struct Configuration: Sendable {
        /// The region whose orders the report covers.
        var region = "eu"
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// A run the scheduler reported creating was not among the DAG's runs.
        case runMissing(DagRunRef)

        var description: String {
            switch self {
            case .runMissing(let ref): "run \(ref) was created but is not in the store; another process may be using it"
            }
        }
    }

    struct Stimulus: Codable, Sendable, Hashable {
        let eventId: Int64
        let asset: String
        let extra: [String: JSONValue]
        /// build_report runs that existed after this event.
        let runsAfter: Int
    }

    struct RunResult: Codable, Sendable, Hashable {
        let number: Int
        let state: DagRunState
        /// The triggering events, and their assets.
        let events: [Int64]
        let assets: [String]
        /// What the gate decided, as it decided it (nil: the gate never ran).
        let decision: GateDecision?
        let taskStates: [String: TaskState]
        /// The report asset event this run published, if any.
        let reportEvent: Int64?
        /// The notify run (1-based) that event triggered, if any.
        let notifyRun: Int?
    }

    struct Outcome: Codable, Sendable {
        let condition: String
        let stimuli: [Stimulus]
        let runs: [RunResult]
        let publishedEvents: Int
        let notifyRuns: Int
        let stillQueued: [String]
    }

    /// The workload: orders of both regions (some invalid), fx updates, one manual override.
    static func inputs(orders: Asset, fx: Asset, manual: Asset) -> [(Asset, [String: JSONValue])] {
        [
            (orders, ["region": "us", "row_count": 10]), (fx, ["date": "2026-11-23"]),
            (orders, ["region": "eu"]), (orders, ["region": "eu", "row_count": 0]), (fx, ["date": "2026-11-24"]),
            (orders, ["region": "eu", "row_count": 25]), (orders, ["region": "us", "row_count": 5]),
            (fx, ["date": "2026-11-25"]), (manual, ["reason": "late correction"]),
            (orders, ["region": "eu", "row_count": 12]),
        ]
    }

    /// The gate's decisions, recorded by the gate as it makes them, by run.
    final class Decisions: Sendable {
        private let byRun = Mutex<[DagRunRef: GateDecision]>([:])
        func record(_ decision: GateDecision, for run: DagRunRef) { byRun.withLock { $0[run] = decision } }
        subscript(run: DagRunRef) -> GateDecision? { byRun.withLock { $0[run] } }
    }

    static func note(_ timeline: Timeline, _ text: String, at date: Date?) {
        if let date { timeline.note(text, at: date) } else { timeline.note(text) }
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orders = try Asset(uri: "s3://lake/orders", name: "orders")
        let fx = try Asset(uri: "s3://lake/fx_rates", name: "fx_rates")
        let manual = try Asset(uri: "s3://lake/ops/manual_override", name: "manual_override")
        let report = try Asset(uri: "s3://lake/reports/daily", name: "daily_report")
        let condition = (orders & fx) | manual
        let decisions = Decisions()
        let build = try buildReport(
            on: condition, orders: orders, manual: manual, report: report,
            region: configuration.region
        ) { ref, decision in
            decisions.record(decision, for: ref)
            timeline.note("  gate " + (decision.proceeds ? "proceeds" : "skips") + ": \(decision)")
        }
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [build, try notify(on: report)], assets: [orders, fx, manual, report])
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        timeline.note(
            "\(dagId) scheduled on \(condition): gate → build → publish (outlet \(report.name)); "
                + "notify scheduled on [\(report.name)]")

        let (stimuli, runs) = try await orchestrator.withServices {
            var stimuli: [Stimulus] = [], runs: [RunResult] = []
            for (asset, extra) in inputs(orders: orders, fx: fx, manual: manual) {
                let recorded = try await scheduler.recordAssetEvent(
                    asset.key, extra: extra, source: .api(messageId: nil))
                let extraText = extra.keys.sorted().map { key in "\(key)=\(extra[key]?.jsonText ?? "null")" }
                    .joined(separator: " ")
                timeline.note("event #\(recorded.event.id) \(asset.name) {\(extraText)}", at: recorded.event.timestamp)
                for ref in recorded.createdRuns where ref.dagId == dagId {
                    runs.append(
                        try await follow(
                            ref, number: runs.count + 1, report: report, decisions: decisions,
                            scheduler: scheduler, timeline: timeline))
                }
                if recorded.createdRuns.isEmpty {
                    let snapshot = try await scheduler.queueSnapshot(of: dagId)
                    timeline.note("  no run; waiting on " + snapshot.awaiting.joined(separator: " or "))
                }
                stimuli.append(
                    Stimulus(
                        eventId: recorded.event.id, asset: asset.uri, extra: extra,
                        runsAfter: try await scheduler.runs(of: dagId).count))
            }
            return (stimuli, runs)
        }
        let queued = try await scheduler.queuedEvents(for: dagId).map(\.asset.uri)
        let outcome = Outcome(
            condition: condition.description, stimuli: stimuli, runs: runs,
            publishedEvents: try await scheduler.assetEvents(for: report.key).count,
            notifyRuns: try await scheduler.runs(of: "notify").count, stillQueued: queued)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Waits for a build_report run to finish and notes its result when it ended; follows its report event to
    /// the notify run it triggered.
    static func follow(
        _ ref: DagRunRef, number: Int, report: Asset, decisions: Decisions,
        scheduler: Scheduler, timeline: Timeline
    ) async throws -> RunResult {
        let finished = try await scheduler.waitForFinishedRuns(of: dagId, count: number)
        guard let run = finished.first(where: { $0.runId == ref.runId }) else { throw ScenarioError.runMissing(ref) }
        let published = try await scheduler.assetEvents(for: report.key).first {
            if case .task(_, let runId, _) = $0.source { runId == run.runId } else { false }
        }
        note(
            timeline,
            "  \(dagId) run \(number) \(run.state.rawValue), consumed "
                + run.triggeringAssetEvents.map { "#\($0.id)" }.joined(separator: ", ") + ": "
                + run.taskInstances.map { "\($0.taskId)=\($0.state.rawValue)" }.joined(separator: " ")
                + (published.map { "; \(report.name) event #\($0.id)" } ?? "; no \(report.name) event"),
            at: run.endedAt)
        var notifyNumber: Int?
        if let published {
            let notifyRuns = try await scheduler.runs(of: "notify")
            if let index = notifyRuns.firstIndex(where: { $0.triggeringAssetEvents.contains { $0.id == published.id } })
            {
                let notified = try await scheduler.waitForFinishedRuns(of: "notify", count: index + 1)
                let notifyRun = notified.first { $0.runId == notifyRuns[index].runId }
                notifyNumber = index + 1
                note(
                    timeline,
                    "  → notify run \(index + 1) on \(report.name) event #\(published.id): "
                        + (notifyRun?.state.rawValue ?? "unfinished"),
                    at: notifyRun?.endedAt)
            }
        }
        return RunResult(
            number: number, state: run.state, events: run.triggeringAssetEvents.map(\.id),
            assets: run.triggeringAssetEvents.map(\.asset.uri),
            decision: decisions[run.ref],
            taskStates: Dictionary(run.taskInstances.map { ($0.taskId, $0.state) }) { first, _ in first },
            reportEvent: published?.id, notifyRun: notifyNumber)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let skipped = outcome.runs.filter { $0.decision?.proceeds == false }
        let proceeded = outcome.runs.filter { $0.decision?.proceeds == true }
        let skippedQuietly = skipped.filter { run in
            run.state == .success && run.reportEvent == nil && run.notifyRun == nil
                && run.taskStates.values.allSatisfy { $0 == .skipped }
        }
        return [
            "\(outcome.stimuli.count) events → \(outcome.runs.count) runs of \(dagId) (the condition held after events "
                + outcome.runs.compactMap { run in run.events.last.map { "#\($0)" } }.joined(separator: ", ") + ")",
            "gate: \(proceeded.count) proceeded, \(skipped.count) skipped — "
                + skipped.map { "run \($0.number): \($0.decision?.description ?? "")" }.joined(separator: " | "),
            "skipped runs ended success with every task skipped, no daily_report event and no notify run: "
                + "\(skippedQuietly.count) of \(skipped.count)",
            "reports published: \(outcome.publishedEvents); notify runs: \(outcome.notifyRuns); "
                + "events still queued, waiting for the condition: \(outcome.stillQueued.count)",
        ]
    }
}
