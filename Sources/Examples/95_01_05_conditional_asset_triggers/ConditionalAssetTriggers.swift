import Eventide
import EventideCLI
import Foundation

/// 95.1.5 — when the asset condition holds, a gate task decides whether the run should do anything: it
/// filters the triggering events, validates what is left, and skips the run (with the reason) otherwise.
enum ConditionalAssetTriggers {
    static let item = "95.1.5"
    static let title = "Conditional Asset Triggers"

    struct Configuration: Sendable {
        var region = "eu"
    }

    struct Stimulus: Codable, Sendable, Hashable {
        let asset: String
        let extra: [String: JSONValue]
    }

    struct RunResult: Codable, Sendable, Hashable {
        let triggeredBy: [String]
        let decision: String
        let reason: String?
        let taskStates: [String: TaskState]
        let acceptedEvents: [Int64]
    }

    struct Outcome: Codable, Sendable {
        let condition: String
        let stimuli: [Stimulus]
        /// build_report runs that existed after each stimulus.
        let runsAfterEachStimulus: [Int]
        let runs: [RunResult]
        let publishedEvents: Int
        let notifyRuns: Int
        let stillQueued: [String]
    }

    static let dagId = "build_report"

    /// The gate: manual overrides pass; otherwise orders of other regions are filtered out, the rest must
    /// have a positive integer row_count, and the run is skipped when no valid order is left.
    static func gate(_ events: [AssetEvent], region: String, orders: AssetKey, manual: AssetKey) throws -> TaskOutput {
        if let override = events.first(where: { $0.asset == manual }) {
            return TaskOutput(value: ["decision": "proceed", "reason": .string("manual override: \(override.extra["reason"]?.stringValue ?? "?")"),
                                      "accepted": [.number(Double(override.id))]])
        }
        let inRegion = events.filter { $0.asset == orders && $0.extra["region"]?.stringValue == region }
        guard !inRegion.isEmpty else {
            throw TaskSkipped("no \(region) orders among \(events.filter { $0.asset == orders }.count) orders event(s)")
        }
        let invalid = inRegion.filter { ($0.extra["row_count"]?.intValue ?? 0) <= 0 }
        let valid = inRegion.filter { ($0.extra["row_count"]?.intValue ?? 0) > 0 }
        guard !valid.isEmpty else {
            throw TaskSkipped("invalid event(s) " + invalid.map { "#\($0.id)" }.joined(separator: ", ")
                + ": row_count must be a positive integer")
        }
        return TaskOutput(value: ["decision": "proceed", "reason": .string("\(valid.count) valid \(region) orders event(s)"),
                                  "accepted": .array(valid.map { .number(Double($0.id)) })])
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let orders = try Asset(uri: "s3://lake/orders"), fx = try Asset(uri: "s3://lake/fx_rates")
        let manual = try Asset(uri: "s3://lake/ops/manual_override"), report = try Asset(uri: "s3://lake/reports/daily")
        let condition = (orders & fx) | manual
        let region = configuration.region
        let build = try DAG(dagId, schedule: .on(condition), tasks: [
            TaskDefinition("gate") { context in
                try gate(context.triggeringAssetEvents, region: region, orders: orders.key, manual: manual.key)
            },
            TaskDefinition("build", upstream: ["gate"]) { context in
                TaskOutput(value: ["events": context.upstreamValues["gate"]?["accepted"] ?? []])
            },
            TaskDefinition("publish", upstream: ["build"], outlets: [report]) { _ in .none },
        ])
        let notify = try DAG("notify", schedule: .on([report]), tasks: [TaskDefinition("send") { _ in .none }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [build, notify], assets: [orders, fx, manual, report])
        let scheduler = orchestrator.scheduler
        timeline.note("\(dagId) scheduled on \(condition)")

        let stimuli: [(Asset, [String: JSONValue])] = [
            (orders, ["region": "us", "row_count": 10]), (fx, ["date": "2026-11-23"]),
            (orders, ["region": "eu", "row_count": 0]), (fx, ["date": "2026-11-24"]),
            (orders, ["region": "eu", "row_count": 25]), (fx, ["date": "2026-11-25"]),
            (manual, ["reason": "late correction"]),
            (orders, ["region": "eu", "row_count": 12]),
        ]
        let runsAfter = try await orchestrator.withServices {
            var runsAfter: [Int] = []
            var finished = 0, notified = 0
            for (asset, extra) in stimuli {
                let recorded = try await scheduler.recordAssetEvent(asset.key, extra: extra, source: .api(messageId: nil))
                finished += recorded.createdRuns.count
                let runs = try await scheduler.waitForFinishedRuns(of: dagId, count: finished)
                runsAfter.append(runs.count)
                let extraText = extra.keys.sorted().map { "\($0)=\(extra[$0]!.jsonText)" }.joined(separator: " ")
                guard let run = recorded.createdRuns.isEmpty ? nil : runs.last else {
                    timeline.note("event #\(recorded.event.id) \(asset.uri) {\(extraText)} → no run; waiting on "
                        + condition.missing(updated: Set(try await scheduler.queuedEvents(for: dagId).map(\.asset)),
                                            aliases: [:]).map(\.description).joined(separator: " or "))
                    continue
                }
                let gate = run.task("gate")
                let decision = gate?.state == .skipped ? "skipped: \(gate?.note ?? "")"
                    : "proceeded: \(gate?.returnValue?["reason"]?.stringValue ?? "")"
                if run.task("publish")?.state == .success {
                    notified += 1
                    _ = try await scheduler.waitForFinishedRuns(of: "notify", count: notified)
                }
                timeline.note("event #\(recorded.event.id) \(asset.uri) {\(extraText)} → run \(runs.count) \(decision)")
            }
            return runsAfter
        }

        var results: [RunResult] = []
        for run in try await scheduler.runs(of: dagId) {
            let gate = run.task("gate")
            results.append(RunResult(
                triggeredBy: run.triggeringAssetEvents.map(\.asset.uri),
                decision: gate?.state == .skipped ? "skip" : (gate?.state == .success ? "proceed" : gate?.state.rawValue ?? "?"),
                reason: gate?.state == .skipped ? gate?.note : gate?.returnValue?["reason"]?.stringValue,
                taskStates: Dictionary(uniqueKeysWithValues: run.taskInstances.map { ($0.taskId, $0.state) }),
                acceptedEvents: gate?.returnValue?["accepted"]?.arrayValue?.compactMap { $0.intValue.map(Int64.init) } ?? []))
        }
        let published = try await scheduler.assetEvents(for: report.key).count
        let notifyRuns = try await scheduler.runs(of: "notify").count
        let queued = try await scheduler.queuedEvents(for: dagId).map(\.asset.uri)
        let outcome = Outcome(condition: condition.description,
                              stimuli: stimuli.map { Stimulus(asset: $0.0.uri, extra: $0.1) },
                              runsAfterEachStimulus: runsAfter, runs: results, publishedEvents: published,
                              notifyRuns: notifyRuns, stillQueued: queued)
        let skipped = results.filter { $0.decision == "skip" }
        let proved = [
            "\(stimuli.count) events → \(results.count) runs of \(dagId) (the condition held \(results.count) times)",
            "skipped by the gate: \(skipped.count) (" + skipped.compactMap(\.reason).joined(separator: "; ") + ")",
            "reports published: \(published); notify runs: \(notifyRuns) (skipped runs publish nothing)",
            "events still queued, waiting for the condition: \(queued.count)",
        ]
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved)
    }
}
