import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation
import Synchronization

/// 117.2.4 — many small messages, fewer runs: a `BatchingTrigger` turns up to `batchSize` queue messages into one
/// trigger event (so one asset event and one run), emitted when the batch is full or when the window timer fires.
/// The run aggregates its batch; every member is deleted only after the batch's asset event is committed. The same
/// traffic without batching is run first, for comparison.
enum SQSBatchProcessing {
    static let item = "117.2.4"
    static let title = "SQS Batch Processing Pattern"
    static let dagId = "aggregate_clicks"

    struct Configuration: Sendable {
        var queue = "clicks"
        /// Messages waiting in the queue when the watcher starts.
        var burst = 35
        /// Messages sent one by one afterwards, each `trickleGap` apart.
        var trickle = 3
        var trickleGap: Duration = .milliseconds(400)
        var batchSize = 10
        var window: Duration = .milliseconds(200)
    }

    /// One run of `aggregate_clicks`.
    struct Batch: Codable, Sendable, Hashable {
        let size: Int
        let total: Int
        /// The click counts of its messages (message n has n clicks).
        let clicks: [Int]
        /// `full` when it reached the batch size, else `window`.
        let closedBy: String
    }

    /// One way of consuming the same traffic.
    struct Part: Codable, Sendable, Hashable {
        let mode: String
        let messages: Int
        let assetEvents: Int
        let runs: Int
        let batches: [Batch]
        let total: Int
        /// Milliseconds from the first send until the last run finished.
        let elapsedMilliseconds: Double
        /// Acknowledgements of messages whose (batch's) asset event was already committed, and of those whose was not.
        let acknowledgedAfterCommit: Int
        let acknowledgedBeforeCommit: Int
        let visibleAtEnd: Int
        let inFlightAtEnd: Int
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let batchSize: Int
        let windowMilliseconds: Double
        let perMessage: Part
        let batched: Part
    }

    /// The traffic: click counts 1, 2, 3, … so every total is checkable.
    static func body(_ n: Int) -> String { #"{"clicks": \#(n)}"# }

    static func run(_ configuration: Configuration, service: any QueueService,
                    database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        timeline.note("traffic: a backlog of \(configuration.burst) messages, then \(configuration.trickle) spaced "
            + "\(configuration.trickleGap) apart; clicks 1, 2, 3, … on \(service)")
        let perMessage = try await part("per-message", batching: false, configuration, service: service,
                                        database: database, timeline: timeline)
        let batched = try await part("batched", batching: true, configuration, service: service,
                                     database: database, timeline: timeline)
        let outcome = Outcome(service: service.description, batchSize: configuration.batchSize,
                              windowMilliseconds: configuration.window.inMilliseconds,
                              perMessage: perMessage, batched: batched)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func part(_ mode: String, batching: Bool, _ configuration: Configuration, service: any QueueService,
                     database: EventideDatabase, timeline: Timeline) async throws -> Part {
        let queue = "\(configuration.queue)-\(mode)"
        try await service.createQueue(queue, QueueSettings(visibilityTimeout: .seconds(30)))
        try await service.requireEmptyQueue(queue)
        let asset = try Asset(uri: "sqs://\(queue)", name: "clicks_\(mode.replacingOccurrences(of: "-", with: "_"))")
        let probe = AcknowledgementProbe()
        // Each message's acknowledgement first asks the store whether its asset event is committed.
        let observed = MappedTrigger(service.trigger(for: queue, visibilityTimeout: nil, wait: .milliseconds(100))) { event in
            var event = event
            let (acknowledge, id) = (event.acknowledge, event.messageId ?? "")
            event.acknowledge = {
                try await probe.record(id)
                try await acknowledge()
            }
            return event
        }
        let trigger: any Trigger = batching
            ? BatchingTrigger(observed, maxSize: configuration.batchSize, window: configuration.window) : observed
        let watcher = AssetWatcher(name: "\(mode)_watcher", trigger: trigger, extract: { event in
            // A batch carries its members' payloads; a single message is a batch of one.
            let payloads = event.payload["messages"]?.arrayValue ?? [event.payload]
            let ids = event.payload["message_ids"] ?? .array([.string(event.messageId ?? "")])
            let clicks = payloads.compactMap { $0["body"]?["clicks"]?.exactIntegerValue }
            guard clicks.count == payloads.count else { throw ExampleError("a message without an integer 'clicks'") }
            return ["clicks": .array(clicks.map { .number(Double($0)) }), "message_ids": ids]
        })
        let watched = asset.watched(by: [watcher])
        let dag = try DAG("\(dagId)_\(mode.replacingOccurrences(of: "-", with: "_"))", schedule: .on([watched]),
                          assetTriggering: .perEvent, tasks: [
            TaskDefinition("aggregate") { context in
                let clicks = context.triggeringEvents(of: watched).flatMap { $0.extra["clicks"]?.arrayValue ?? [] }
                    .compactMap(\.exactIntegerValue)
                return TaskOutput(value: ["size": .number(Double(clicks.count)), "total": .number(Double(clicks.reduce(0, +))),
                                          "clicks": .array(clicks.map { .number(Double($0)) })])
            }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [watched])
        probe.committed = { id in
            try await orchestrator.scheduler.assetEvents(for: watched.key).contains { event in
                (event.extra["message_ids"]?.arrayValue ?? []).contains(.string(id))
            }
        }
        let total = configuration.burst + configuration.trickle
        // The burst is a backlog waiting when the watcher starts; the trickle arrives while it runs.
        let start = ContinuousClock.now
        for n in 1...configuration.burst { _ = try await service.send(queue, body: body(n), attributes: [:]) }
        let (runs, elapsed) = try await orchestrator.withServices {
            for n in (configuration.burst + 1)..<(total + 1) {
                try await Task.sleep(for: configuration.trickleGap)
                _ = try await service.send(queue, body: body(n), attributes: [:])
            }
            _ = try await orchestrator.triggerer.waitFor(watcher: watcher.name) { status in
                status.eventsRecorded > 0 && probe.count == total
            }
            let recorded = await orchestrator.triggerer.status(of: watcher.name)?.eventsRecorded ?? 0
            let runs = try await orchestrator.scheduler.waitForFinishedRuns(of: dag.dagId, count: recorded)
            return (runs, ContinuousClock.now - start)
        }
        let batches = runs.map { run -> Batch in
            let value = run.task("aggregate")?.returnValue
            let size = value?["size"]?.exactIntegerValue ?? 0
            return Batch(size: size, total: value?["total"]?.exactIntegerValue ?? 0,
                         clicks: (value?["clicks"]?.arrayValue ?? []).compactMap(\.exactIntegerValue),
                         closedBy: size >= (batching ? configuration.batchSize : 1) ? "full" : "window")
        }
        let (visible, inFlight) = try await service.counts(queue)
        let part = Part(mode: mode, messages: total,
                        assetEvents: try await orchestrator.scheduler.assetEvents(for: watched.key).count,
                        runs: runs.count, batches: batches, total: batches.map(\.total).reduce(0, +),
                        elapsedMilliseconds: (elapsed.inMilliseconds * 10).rounded() / 10,
                        acknowledgedAfterCommit: probe.afterCommit, acknowledgedBeforeCommit: probe.beforeCommit,
                        visibleAtEnd: visible, inFlightAtEnd: inFlight)
        timeline.note("\(mode): \(part.messages) messages → \(part.assetEvents) asset events → \(part.runs) runs"
            + (batching ? " of sizes \(batches.map(\.size)) (closed by \(batches.map(\.closedBy)))" : "")
            + "; total clicks \(part.total); " + String(format: "%.0f ms", part.elapsedMilliseconds))
        return part
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let (single, batched) = (outcome.perMessage, outcome.batched)
        return [
            "runs for \(single.messages) messages: per message \(single.runs), batched \(batched.runs) "
                + "(batch size \(outcome.batchSize), window " + String(format: "%.0f ms", outcome.windowMilliseconds) + ")",
            "batches: \(batched.batches.filter { $0.closedBy == "full" }.count) full, "
                + "\(batched.batches.filter { $0.closedBy == "window" }.count) closed by the window; sizes \(batched.batches.map(\.size))",
            "aggregates agree: total clicks \(single.total) per message, \(batched.total) batched",
            "acknowledgements after the commit: \(batched.acknowledgedAfterCommit) of \(batched.messages), before it: "
                + "\(batched.acknowledgedBeforeCommit); left in the queue: \(batched.visibleAtEnd + batched.inFlightAtEnd)",
        ]
    }
}

/// Counts, at each message's acknowledgement, whether its asset event was already committed.
final class AcknowledgementProbe: Sendable {
    private struct State {
        var committed: (@Sendable (String) async throws -> Bool)?
        var afterCommit = 0
        var beforeCommit = 0
    }
    private let state = Mutex(State())

    var committed: (@Sendable (String) async throws -> Bool)? {
        get { state.withLock { $0.committed } }
        set { state.withLock { $0.committed = newValue } }
    }
    var afterCommit: Int { state.withLock { $0.afterCommit } }
    var beforeCommit: Int { state.withLock { $0.beforeCommit } }
    var count: Int { state.withLock { $0.afterCommit + $0.beforeCommit } }

    func record(_ id: String) async throws {
        let wasCommitted = try await committed?(id) ?? false
        state.withLock { wasCommitted ? ($0.afterCommit += 1) : ($0.beforeCommit += 1) }
    }
}
