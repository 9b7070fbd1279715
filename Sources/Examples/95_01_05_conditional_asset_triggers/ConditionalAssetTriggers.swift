import Eventide
import EventideCLI
import Foundation

/// 95.1.5 — when the asset condition holds, a gate task decides whether the run should do anything: it
/// validates the triggering events, filters them, and skips the run (with the reason) when nothing is left;
/// a skipped run publishes nothing, so nothing downstream is triggered.
enum ConditionalAssetTriggers {
    static let item = "95.1.5"
    static let title = "Conditional Asset Triggers"

    struct Configuration: Sendable {
        /// The region whose orders the report covers.
        var region = "eu"
    }

    /// What an orders event's extra must hold before the gate looks at its values.
    static let ordersSchema = ExtraSchema(name: "orders_update", version: 1, fields: [
        .init("region", .string), .init("row_count", .integer)])

    /// The gate's decision on one triggering event.
    struct Verdict: Codable, Sendable, Hashable {
        enum Kind: String, Codable, Sendable { case accepted, filtered, invalid }
        let eventId: Int64
        let kind: Kind
        let reason: String?

        var text: String { "#\(eventId) \(kind.rawValue)" + (reason.map { " (\($0))" } ?? "") }
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
        /// `proceed` or `skip`.
        let decision: String
        let reason: String?
        let accepted: [Int64]
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

    static let dagId = "build_report"

    /// Validates one orders event, then filters it by region.
    static func assess(_ event: AssetEvent, region: String) -> Verdict {
        let problems = ordersSchema.violations(of: event.extra)
        guard problems.isEmpty else { return Verdict(eventId: event.id, kind: .invalid, reason: problems.joined(separator: "; ")) }
        let eventRegion = event.extra["region"]?.stringValue ?? ""
        guard eventRegion == region else { return Verdict(eventId: event.id, kind: .filtered, reason: "region \(eventRegion)") }
        let rows = event.extra["row_count"]?.exactIntegerValue ?? 0
        guard rows > 0 else { return Verdict(eventId: event.id, kind: .invalid, reason: "row_count \(rows) is not positive") }
        return Verdict(eventId: event.id, kind: .accepted, reason: nil)
    }

    /// The gate: a manual override with a reason proceeds; otherwise each orders event is validated and filtered
    /// by region, and the run is skipped (`TaskSkipped`, with every event's verdict) when none is accepted.
    static func gate(_ events: [AssetEvent], region: String, orders: AssetKey, manual: AssetKey) throws -> TaskOutput {
        if let override = events.last(where: { $0.asset == manual }) {
            guard let why = override.extra["reason"]?.stringValue, !why.isEmpty else {
                throw TaskSkipped("manual override #\(override.id) carries no reason; an override must say why")
            }
            return TaskOutput(value: ["decision": "proceed", "reason": .string("manual override #\(override.id): \(why)"),
                                      "accepted": [.number(Double(override.id))]])
        }
        let verdicts = events.filter { $0.asset == orders }.map { assess($0, region: region) }
        let accepted = verdicts.filter { $0.kind == .accepted }
        guard !accepted.isEmpty else {
            throw TaskSkipped("no valid \(region) orders among \(verdicts.count) orders event(s)"
                + (verdicts.isEmpty ? "" : ": " + verdicts.map(\.text).joined(separator: "; ")))
        }
        let others = verdicts.filter { $0.kind != .accepted }
        return TaskOutput(value: [
            "decision": "proceed",
            "reason": .string("\(accepted.count) of \(verdicts.count) orders event(s) accepted: "
                + accepted.map { "#\($0.eventId)" }.joined(separator: ", ")
                + (others.isEmpty ? "" : "; " + others.map(\.text).joined(separator: "; "))),
            "accepted": .array(accepted.map { .number(Double($0.eventId)) })])
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orders = try Asset(uri: "s3://lake/orders", name: "orders")
        let fx = try Asset(uri: "s3://lake/fx_rates", name: "fx_rates")
        let manual = try Asset(uri: "s3://lake/ops/manual_override", name: "manual_override")
        let report = try Asset(uri: "s3://lake/reports/daily", name: "daily_report")
        let condition = (orders & fx) | manual
        let region = configuration.region
        let build = try DAG(dagId, schedule: .on(condition), tasks: [
            TaskDefinition("gate") { context in
                try gate(context.triggeringAssetEvents, region: region, orders: orders.key, manual: manual.key)
            },
            TaskDefinition("build", upstream: ["gate"]) { context in
                TaskOutput(value: ["events": context.upstreamValues["gate"]?["accepted"] ?? []])
            },
            TaskDefinition("publish", upstream: ["build"], outlets: [report]) { context in
                TaskOutput(outletExtra: [report.key: ["events": context.upstreamValues["build"]?["events"] ?? []]])
            },
        ])
        let notify = try DAG("notify", schedule: .on([report]), tasks: [TaskDefinition("send") { _ in .none }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [build, notify], assets: [orders, fx, manual, report])
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler
        timeline.note("\(dagId) scheduled on \(condition): gate → build → publish (outlet \(report.name)); "
            + "notify scheduled on [\(report.name)]")

        let inputs: [(Asset, [String: JSONValue])] = [
            (orders, ["region": "us", "row_count": 10]), (fx, ["date": "2026-11-23"]),
            (orders, ["region": "eu"]), (orders, ["region": "eu", "row_count": 0]), (fx, ["date": "2026-11-24"]),
            (orders, ["region": "eu", "row_count": 25]), (orders, ["region": "us", "row_count": 5]), (fx, ["date": "2026-11-25"]),
            (manual, ["reason": "late correction"]),
            (orders, ["region": "eu", "row_count": 12]),
        ]
        let stimuli = try await orchestrator.withServices {
            var stimuli: [Stimulus] = []
            var finished = 0, notified = 0
            for (asset, extra) in inputs {
                let recorded = try await scheduler.recordAssetEvent(asset.key, extra: extra, source: .api(messageId: nil))
                finished += recorded.createdRuns.count
                let runs = try await scheduler.waitForFinishedRuns(of: dagId, count: finished)
                stimuli.append(Stimulus(eventId: recorded.event.id, asset: asset.uri, extra: extra, runsAfter: runs.count))
                let extraText = extra.keys.sorted().map { "\($0)=\(extra[$0]!.jsonText)" }.joined(separator: " ")
                let said = "event #\(recorded.event.id) \(asset.name) {\(extraText)} → "
                guard !recorded.createdRuns.isEmpty, let run = runs.last else {
                    let queued = try await scheduler.queuedEvents(for: dagId)
                    timeline.note(said + "no run; waiting on "
                        + condition.missing(updated: Set(queued.map(\.asset))).map(\.description).joined(separator: " or "))
                    continue
                }
                let gate = run.task("gate")
                let consumed = run.triggeringAssetEvents.map { "#\($0.id)" }.joined(separator: ", ")
                var line = said + "\(dagId) run \(runs.count) consumed \(consumed): gate "
                    + (gate?.state == .skipped ? "skipped (\(gate?.note ?? ""))"
                       : "proceeded (\(gate?.returnValue?["reason"]?.stringValue ?? ""))") + "; "
                    + run.taskInstances.dropFirst().map { "\($0.taskId)=\($0.state.rawValue)" }.joined(separator: " ")
                let published = try await scheduler.assetEvents(for: report.key).filter {
                    if case .task(_, let runId, _) = $0.source { runId == run.runId } else { false }
                }
                if let event = published.first {
                    notified += 1
                    let notifyRun = try await scheduler.waitForFinishedRuns(of: "notify", count: notified).last
                    line += "; \(report.name) event #\(event.id) → notify run \(notified) \(notifyRun?.state.rawValue ?? "?")"
                } else {
                    line += "; no \(report.name) event, notify not triggered"
                }
                timeline.note(line)
            }
            return stimuli
        }

        let reportEvents = try await scheduler.assetEvents(for: report.key)
        let notifyRuns = try await scheduler.runs(of: "notify")
        var results: [RunResult] = []
        for (index, run) in try await scheduler.runs(of: dagId).enumerated() {
            let gate = run.task("gate")
            let published = reportEvents.first {
                if case .task(_, let runId, _) = $0.source { runId == run.runId } else { false }
            }
            let notifyIndex = published.flatMap { event in
                notifyRuns.firstIndex { $0.triggeringAssetEvents.contains { $0.id == event.id } }
            }
            results.append(RunResult(
                number: index + 1, state: run.state, events: run.triggeringAssetEvents.map(\.id),
                assets: run.triggeringAssetEvents.map(\.asset.uri),
                decision: gate?.state == .skipped ? "skip" : (gate?.state == .success ? "proceed" : gate?.state.rawValue ?? "?"),
                reason: gate?.state == .skipped ? gate?.note : gate?.returnValue?["reason"]?.stringValue,
                accepted: gate?.returnValue?["accepted"]?.arrayValue?.compactMap { $0.exactIntegerValue.map(Int64.init) } ?? [],
                taskStates: Dictionary(uniqueKeysWithValues: run.taskInstances.map { ($0.taskId, $0.state) }),
                reportEvent: published?.id, notifyRun: notifyIndex.map { $0 + 1 }))
        }
        let queued = try await scheduler.queuedEvents(for: dagId).map(\.asset.uri)
        let outcome = Outcome(condition: condition.description, stimuli: stimuli, runs: results,
                              publishedEvents: reportEvents.count, notifyRuns: notifyRuns.count, stillQueued: queued)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let skipped = outcome.runs.filter { $0.decision == "skip" }
        let proceeded = outcome.runs.filter { $0.decision == "proceed" }
        let skippedQuietly = skipped.filter { run in
            run.state == .success && run.reportEvent == nil && run.notifyRun == nil
                && run.taskStates.values.allSatisfy { $0 == .skipped }
        }
        return [
            "\(outcome.stimuli.count) events → \(outcome.runs.count) runs of \(dagId) (the condition held after events "
                + outcome.runs.compactMap { run in run.events.last.map { "#\($0)" } }.joined(separator: ", ") + ")",
            "gate: \(proceeded.count) proceeded, \(skipped.count) skipped — "
                + skipped.map { "run \($0.number): \($0.reason ?? "")" }.joined(separator: " | "),
            "skipped runs ended success with every task skipped, no daily_report event and no notify run: "
                + "\(skippedQuietly.count) of \(skipped.count)",
            "reports published: \(outcome.publishedEvents); notify runs: \(outcome.notifyRuns); "
                + "events still queued, waiting for the condition: \(outcome.stillQueued.count)",
        ]
    }
}
