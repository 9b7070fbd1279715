import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation
import Synchronization

/// Drives `SQSBatchProcessing.swift`: the same traffic (a backlog, then a few spaced messages) consumed twice, one
/// asset event and run per message, then in batches; measures runs, batch sizes, totals, and at each message's
/// acknowledgement whether its asset event was already committed.
extension SQSBatchProcessing {
    static let item = "117.2.4"
    static let title = "SQS Batch Processing Pattern"
    static let dagId = "aggregate_clicks"

    struct Configuration: Sendable {
        /// Queue name prefix: the example uses `<queue>-per-message` and `<queue>-batched`.
        var queue = "clicks"
        /// Messages waiting in the queue when the watcher starts.
        var burst = 35
        /// Messages sent one by one afterwards, each `trickleGap` apart.
        var trickle = 3
        /// Five windows apart by default, so that each spaced message closes alone unless the machine stalls the
        /// watcher for most of a second (at 400 ms, a loaded CI run put two in one batch).
        var trickleGap: Duration = .seconds(1)
        var batchSize = 10
        var window: Duration = .milliseconds(200)
        /// Spaces the trickle, ticks the batch window and times the parts.
        var clock: EventideClock = .system

        /// Throws ``ScenarioError/invalidQueueName(_:)`` unless both queue names fit SQS's rule.
        func validate() throws(ScenarioError) {
            guard !queue.isEmpty, Mode.allCases.allSatisfy({ QueueName.isValid(queue(for: $0)) }) else {
                throw .invalidQueueName(queue)
            }
        }

        /// The queue one mode consumes.
        func queue(for mode: Mode) -> String { "\(queue)-\(mode.rawValue)" }
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// `--queue` is empty, too long, or has characters SQS refuses.
        case invalidQueueName(String)
        /// A run of `aggregate_clicks` consumed no asset event: the scheduler's asset triggering is broken.
        case runWithoutEvent(runId: String)

        var description: String {
            switch self {
            case .runWithoutEvent(let runId):
                "run \(runId) of \(dagId) consumed no asset event; each run should aggregate one batch"
            case .invalidQueueName(let name):
                "--queue must be 1 to \(80 - "-per-message".count) letters, digits, '-' or '_' (SQS's rule, with the "
                    + "suffix -per-message), got '\(name)'"
            }
        }
    }

    /// The two ways of consuming the same traffic.
    enum Mode: String, Codable, Sendable, CaseIterable {
        case perMessage = "per-message"
        case batched
    }

    /// What closed a batch.
    enum Closure: String, Codable, Sendable {
        /// It reached the batch size.
        case full
        /// The window timer fired with fewer messages waiting.
        case window
    }

    /// One run of `aggregate_clicks`.
    struct Batch: Codable, Sendable, Hashable {
        let eventId: Int64
        let size: Int
        let total: Int
        /// The click counts of its messages (message n has n clicks).
        let clicks: [Int]
        let closedBy: Closure
    }

    /// One way of consuming the traffic.
    struct Part: Codable, Sendable, Hashable {
        let mode: Mode
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

    static func run(
        _ configuration: Configuration, service: any QueueService,
        database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        try configuration.validate()
        // The counts below are this run's: a store an earlier run filled is refused, not added to.
        let check = Orchestrator(database: database)
        let parts = try Mode.allCases.map { mode in try definition(mode, configuration) }
        try await check.register(dags: parts.map(\.dag), assets: parts.map(\.asset))
        try await check.requireFreshStore()
        let timeline = Timeline()
        timeline.note(
            "traffic: a backlog of \(configuration.burst) messages, then \(configuration.trickle) spaced "
                + "\(configuration.trickleGap) apart; clicks 1, 2, 3, … on \(service)")
        let perMessage = try await part(
            .perMessage, configuration, service: service, database: database,
            timeline: timeline)
        let batched = try await part(.batched, configuration, service: service, database: database, timeline: timeline)
        let outcome = Outcome(
            service: service.description, batchSize: configuration.batchSize,
            windowMilliseconds: configuration.window.inMilliseconds,
            perMessage: perMessage, batched: batched)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func part(
        _ mode: Mode, _ configuration: Configuration, service: any QueueService,
        database: EventideDatabase, timeline: Timeline
    ) async throws -> Part {
        let queue = configuration.queue(for: mode)
        let suffix = mode.rawValue.replacingOccurrences(of: "-", with: "_")
        try await service.createQueue(queue, QueueSettings(visibilityTimeout: .seconds(30)))
        try await service.requireEmptyQueue(queue)
        let asset = try definition(mode, configuration).asset
        let probe = AcknowledgementProbe()
        let messages = probe.observing(service.trigger(for: queue, visibilityTimeout: nil, wait: .milliseconds(100)))
        let watcher =
            switch mode {
            case .perMessage: AssetWatcher(name: "\(suffix)_watcher", trigger: messages, extract: clicks)
            case .batched:
                batchWatcher(
                    "\(suffix)_watcher", messages: messages, batchSize: configuration.batchSize,
                    window: configuration.window, clock: configuration.clock)
            }
        let watched = asset.watched(by: [watcher])
        let dag = try aggregate(definition(mode, configuration).dag.dagId, on: watched)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [watched])
        let scheduler = orchestrator.scheduler
        // A message is committed once an asset event of this asset lists its id.
        probe.committed = { id in
            try await scheduler.assetEvents(for: watched.key).contains {
                ($0.extra["message_ids"]?.arrayValue ?? []).contains(.string(id))
            }
        }
        let total = configuration.burst + configuration.trickle
        let clock = configuration.clock
        // The burst is a backlog waiting when the watcher starts; the trickle arrives while it runs.
        let start = clock.now
        for n in 1...configuration.burst { _ = try await service.send(queue, body: body(n), attributes: [:]) }
        let (batches, elapsed) = try await orchestrator.withServices {
            for n in (configuration.burst + 1)..<(total + 1) {
                try await clock.sleep(for: configuration.trickleGap)
                _ = try await service.send(queue, body: body(n), attributes: [:])
            }
            let status = try await orchestrator.triggerer.waitFor(watcher: watcher.name) { _ in probe.count == total }
            let runs = try await scheduler.waitForFinishedRuns(of: dag.dagId, count: status.eventsRecorded)
            let elapsed = start.duration(to: clock.now)
            let batches = try runs.map { run in
                try batch(of: run, full: mode == .batched ? configuration.batchSize : 1)
            }
            if mode == .batched {
                // Each batch at the moment its asset event was committed.
                for (batch, run) in zip(batches, runs) {
                    let event = try triggeringEvent(of: run)
                    let clicks =
                        batch.size == 1
                        ? "\(batch.clicks.first ?? 0)"
                        : "\(batch.clicks.first ?? 0)…\(batch.clicks.last ?? 0)"
                    timeline.note(
                        "batch of \(batch.size) (clicks \(clicks)) "
                            + "closed by \(batch.closedBy.rawValue) → asset event #\(batch.eventId) → run total "
                            + "\(batch.total)", at: event.timestamp)
                }
            }
            return (batches, elapsed)
        }
        let (visible, inFlight) = try await service.counts(queue)
        let part = Part(
            mode: mode, messages: total, assetEvents: try await scheduler.assetEvents(for: watched.key).count,
            runs: batches.count, batches: batches, total: batches.map(\.total).reduce(0, +),
            elapsedMilliseconds: (elapsed.inMilliseconds * 10).rounded() / 10,
            acknowledgedAfterCommit: probe.afterCommit, acknowledgedBeforeCommit: probe.beforeCommit,
            visibleAtEnd: visible, inFlightAtEnd: inFlight)
        timeline.note(
            "\(mode.rawValue): \(part.messages) messages → \(part.assetEvents) asset events → "
                + "\(part.runs) runs; total clicks \(part.total); "
                + String(format: "%.0f ms", part.elapsedMilliseconds))
        return part
    }

    /// The asset one mode feeds (without its watcher) and the DAG on it.
    static func definition(_ mode: Mode, _ configuration: Configuration) throws -> (asset: Asset, dag: DAG) {
        let suffix = mode.rawValue.replacingOccurrences(of: "-", with: "_")
        let asset = try Asset(uri: "sqs://\(configuration.queue(for: mode))", name: "clicks_\(suffix)")
        return (asset, try aggregate("\(dagId)_\(suffix)", on: asset))
    }

    /// The asset event a run of `aggregate_clicks` was created for (one: the DAG triggers per event).
    static func triggeringEvent(of run: DagRun) throws(ScenarioError) -> AssetEvent {
        guard let event = run.triggeringAssetEvents.first else { throw .runWithoutEvent(runId: run.runId) }
        return event
    }

    /// The batch a finished run of `aggregate_clicks` aggregated.
    static func batch(of run: DagRun, full: Int) throws -> Batch {
        let event = try triggeringEvent(of: run)
        let value = run.task("aggregate")?.returnValue
        let size = value?["size"]?.exactIntegerValue ?? 0
        return Batch(
            eventId: event.id, size: size, total: value?["total"]?.exactIntegerValue ?? 0,
            clicks: (value?["clicks"]?.arrayValue ?? []).compactMap(\.exactIntegerValue),
            closedBy: size >= full ? .full : .window)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let (single, batched) = (outcome.perMessage, outcome.batched)
        let closed = { (closure: Closure) in batched.batches.filter { $0.closedBy == closure }.count }
        return [
            "runs for \(single.messages) messages: per message \(single.runs), batched \(batched.runs) "
                + "(batch size \(outcome.batchSize), window " + String(format: "%.0f ms", outcome.windowMilliseconds)
                + ")",
            "batches: \(closed(.full)) full, \(closed(.window)) closed by the window; sizes \(batched.batches.map(\.size))",
            "aggregates agree: total clicks \(single.total) per message, \(batched.total) batched",
            "acknowledgements after the commit: \(batched.acknowledgedAfterCommit) of \(batched.messages), before it: "
                + "\(batched.acknowledgedBeforeCommit); left in the queue: \(batched.visibleAtEnd + batched.inFlightAtEnd)",
        ]
    }
}

/// Counts, at each message's acknowledgement (the moment the source deletes it), whether its asset event was
/// already committed: the measurement behind "deleted only after its asset event is committed".
final class AcknowledgementProbe: Sendable {
    private struct State {
        var committed: (@Sendable (String) async throws -> Bool)?
        var afterCommit = 0
        var beforeCommit = 0
    }
    private let state = Mutex(State())

    /// Whether the asset event holding a message id is in the store (set once the asset is registered).
    var committed: (@Sendable (String) async throws -> Bool)? {
        get { state.withLock { $0.committed } }
        set { state.withLock { $0.committed = newValue } }
    }
    var afterCommit: Int { state.withLock { $0.afterCommit } }
    var beforeCommit: Int { state.withLock { $0.beforeCommit } }
    var count: Int { state.withLock { $0.afterCommit + $0.beforeCommit } }

    /// `messages` with each acknowledgement first asking the store, then acknowledging.
    func observing(_ messages: any Trigger) -> any Trigger {
        MappedTrigger(messages) { [self] event in
            var event = event
            let (acknowledge, id) = (event.acknowledge, event.messageId ?? "")
            event.acknowledge = {
                try await self.record(id)
                try await acknowledge()
            }
            return event
        }
    }

    private func record(_ id: String) async throws {
        let wasCommitted = try await committed?(id) ?? false
        state.withLock { state in
            if wasCommitted { state.afterCommit += 1 } else { state.beforeCommit += 1 }
        }
    }
}
