import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation
import Synchronization

/// Drives the watcher of `SQSWatcherSetup.swift`: a consumer that dies holding orders, fresh orders sent while the
/// watcher runs; or, when an earlier run was killed and left messages on the queue, finishes what it left. Measures
/// each delivery, and at each acknowledgement whether the message's asset event was already committed.
extension SQSWatcherSetup {
    static let item = "117.2.1"
    static let title = "SQS Watcher Setup"

    struct Configuration: Sendable {
        /// The queue's name.
        var queue = "orders"
        /// Orders sent while the watcher runs.
        var orders = 3
        /// Orders a consumer receives and then dies holding, before the watcher starts.
        var abandoned = 2
        /// The queue's visibility timeout (whole seconds on SQS).
        var visibilityTimeout: Duration = .seconds(2)
        /// The Airflow-style connection the service was made from, redacted (nil: the embedded queues).
        var connection: String?
    }

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// The dead consumer's receive came back empty although the orders were just sent.
        case queueDidNotDeliver(queue: String, sent: Int, received: Int)

        var description: String {
            switch self {
            case .queueDidNotDeliver(let queue, let sent, let received):
                "the queue \(queue) delivered \(received) of the \(sent) orders just sent to the consumer that dies; "
                    + "is another consumer reading it? Pass another --queue"
            }
        }
    }

    /// Fresh: the queue was empty, so the run sends its own orders. Resumed: an earlier run left messages on the
    /// queue (it was killed), and this run finishes them instead of sending new ones.
    enum Mode: String, Codable, Sendable { case fresh, resumed }

    /// Where a recorded message came from.
    enum Origin: String, Codable, Sendable {
        /// Sent while the watcher ran.
        case sent
        /// Received by the consumer that died without deleting it.
        case abandoned
        /// Left on the queue by an earlier run that was killed.
        case leftOver = "left-over"
    }

    /// What the store and the queue held when this run started.
    struct Start: Codable, Sendable, Hashable {
        let ready: Int
        let inFlight: Int
        let earlierEvents: Int
        let earlierRuns: Int
        /// Runs of an earlier run that had not finished (it was killed): the executor resumes them.
        let unfinishedRuns: Int
    }

    /// One asset event this run recorded.
    struct Delivery: Codable, Sendable, Hashable {
        let eventId: Int64
        let order: Int
        let messageId: String
        let deliveryCount: Int
        let attributes: [String: String]
        let origin: Origin
        /// Milliseconds from the moment the dead consumer started receiving (abandoned) or from the send (sent) to
        /// the asset event's timestamp; nil for a message an earlier run sent.
        let recordedAfterMilliseconds: Double?
        /// Measured when the watcher acknowledged the message: its asset event was already committed in the store.
        let committedBeforeDelete: Bool
    }

    /// What the store held at the moment the watcher acknowledged a message (just before the delete).
    struct Acknowledgement: Codable, Sendable, Hashable {
        enum Found: String, Codable, Sendable {
            /// The asset event of this message, recorded by this run.
            case committedNow = "committed"
            /// Recorded by an earlier run (a redelivery after a kill): a duplicate, no second run.
            case committedEarlier = "committed by an earlier run"
            /// No asset event, but a dead letter: the body was not an order.
            case deadLettered = "dead-lettered"
            /// Neither: the delete came before the commit.
            case nothing
        }

        let messageId: String
        let found: Found
        let eventId: Int64?
    }

    struct RunResult: Codable, Sendable, Hashable {
        let runId: String
        let state: DagRunState
        let orders: [Int]
    }

    struct Outcome: Codable, Sendable {
        let service: String
        let connection: String?
        let queueURL: String
        let visibilityTimeoutSeconds: Double
        let watcher: String
        let trigger: String
        let mode: Mode
        let start: Start
        /// The asset events this run recorded, in id order.
        let deliveries: [Delivery]
        /// Every acknowledgement, in the order the watcher made them.
        let acknowledgements: [Acknowledgement]
        /// The runs this run's asset events created.
        let runs: [RunResult]
        /// The runs an earlier, killed run left unfinished, as they ended in this run.
        let resumedRuns: [RunResult]
        /// The watcher's counters (this process only).
        let eventsSeen: Int
        let eventsRecorded: Int
        let duplicates: Int
        let deadLettered: Int
        /// Messages left in the queue at the end: ready, and received but not deleted.
        let visibleAtEnd: Int
        let inFlightAtEnd: Int
    }

    static func run(
        _ configuration: Configuration, service: any QueueService,
        database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let queue = configuration.queue
        let orchestrator = Orchestrator(database: database)
        let scheduler = orchestrator.scheduler
        let queueTrigger = try await openQueue(queue, on: service, visibilityTimeout: configuration.visibilityTimeout)
        let probe = AcknowledgementProbe(
            scheduler: scheduler, deadLetters: orchestrator.triggerer.deadLetters,
            timeline: timeline)
        let asset = try ordersAsset(
            queue: queue, trigger: MappedTrigger(queueTrigger, transform: probe.observe),
            connectionId: configuration.connection == nil ? nil : "aws_default")
        try await orchestrator.register(dags: [try processOrders(asset)], assets: [asset])

        // What an earlier run left: messages on the queue, asset events and runs in the store.
        let queueURL = try await service.queueURL(queue)
        let (ready, inFlight) = try await service.counts(queue)
        let earlierEvents = try await scheduler.assetEvents(for: asset.key)
        let earlierRuns = try await scheduler.runs(of: dagId)
        let unfinished = earlierRuns.filter { !$0.state.isFinished }.map(\.runId)
        let start = Start(
            ready: ready, inFlight: inFlight, earlierEvents: earlierEvents.count,
            earlierRuns: earlierRuns.count, unfinishedRuns: unfinished.count)
        let mode: Mode = ready + inFlight > 0 ? .resumed : .fresh
        probe.earlierEventIds = Set(earlierEvents.map(\.id))
        let ledger = try await RunLedger(scheduler, dags: [dagId])
        timeline.note(
            "queue \(queueURL) on \(service) (visibility timeout \(configuration.visibilityTimeout))"
                + (configuration.connection.map { ", connection \($0)" } ?? ""))
        if earlierEvents.count + earlierRuns.count > 0 || mode == .resumed {
            timeline.note(
                "an earlier run left \(ready) ready and \(inFlight) in-flight message(s) on the queue, "
                    + "\(earlierEvents.count) asset event(s) and \(earlierRuns.count) run(s) (\(unfinished.count) unfinished) "
                    + "in the store: "
                    + (mode == .resumed
                        ? "resuming it, sending no new orders"
                        : "nothing to resume; counting only this run's work"))
        }

        var origins: [Int: (Origin, Date)] = [:]
        if mode == .fresh && configuration.abandoned > 0 {
            let at = try await consumerDies(
                holding: configuration.abandoned, of: queue, on: service,
                clock: orchestrator.clock)
            for order in 1...configuration.abandoned { origins[order] = (.abandoned, at) }
            timeline.note(
                "a consumer received orders 1…\(configuration.abandoned) and died without deleting them: "
                    + "invisible until the visibility timeout runs out")
        }
        timeline.note(
            "Asset(\(asset.uri), watchers: [AssetWatcher(\(watcherName), \(queueTrigger))]); "
                + "\(dagId) runs once per event")

        let expected = mode == .resumed ? ready + inFlight : configuration.abandoned + configuration.orders
        let (sent, status) = try await orchestrator.withServices { [origins] in
            var origins = origins
            _ = try await orchestrator.triggerer.waitFor(watcher: watcherName, state: .running)
            if mode == .fresh {
                for order in (configuration.abandoned + 1)..<(configuration.abandoned + configuration.orders + 1) {
                    _ = try await service.send(
                        queue, body: #"{"order": \#(order)}"#, attributes: ["type": "order.placed"])
                    origins[order] = (.sent, orchestrator.clock.date)
                }
            }
            let status = try await orchestrator.triggerer.waitFor(watcher: watcherName) {
                $0.eventsRecorded + $0.duplicates + $0.deadLettered >= expected
            }
            try await scheduler.waitUntilRunsFinished([dagId])
            // A run can end before its message's delete returns (the delete follows the commit, the run too): the
            // transcript waits for every delete, so its lines keep their order on a busy machine.
            try await WaitDeadline.seconds(30).poll(waitingFor: "every message's delete") { probe.deleted >= expected }
            return (origins, status)
        }
        let (visible, inFlightAtEnd) = try await service.counts(queue)

        let acknowledgements = probe.acknowledgements
        let earlierIds = probe.earlierEventIds
        let deliveries = try await scheduler.assetEvents(for: asset.key).filter { !earlierIds.contains($0.id) }
            .map { event in
                let order = event.extra["order"]?.exactIntegerValue ?? 0
                let origin = sent[order].map(\.0) ?? .leftOver
                let since = origin == .leftOver ? nil : sent[order].map(\.1)
                let messageId = event.extra["message_id"]?.stringValue ?? ""
                return Delivery(
                    eventId: event.id, order: order, messageId: messageId,
                    deliveryCount: event.extra["delivery_count"]?.exactIntegerValue ?? 0,
                    attributes: (event.extra["attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                    origin: origin,
                    recordedAfterMilliseconds: since.map {
                        (event.timestamp.timeIntervalSince($0) * 10_000).rounded() / 10
                    },
                    committedBeforeDelete: acknowledgements.first { $0.messageId == messageId }?.eventId == event.id)
            }
        let result = { (run: DagRun) in
            RunResult(
                runId: run.runId, state: run.state,
                orders: (run.task("process")?.returnValue?.arrayValue ?? []).compactMap(\.exactIntegerValue))
        }
        let runs = try await ledger.newRuns(of: dagId)
        let resumed = try await scheduler.runs(of: dagId).filter { unfinished.contains($0.runId) }
        // One line per group of runs, stamped once all of them ended and every message was deleted: runs end in no
        // fixed order, and a run can end before its message's delete returns.
        for (label, group) in [("runs the killed run left unfinished", resumed), ("runs of \(dagId)", runs)]
        where !group.isEmpty {
            let states = Dictionary(grouping: group, by: \.state).map { "\($0.value.count) \($0.key.rawValue)" }
                .sorted()
            timeline.note(
                "\(label): \(states.joined(separator: ", ")), orders "
                    + group.map { result($0).orders.map(String.init).joined(separator: "+") }.joined(separator: ", "),
                at: max(group.compactMap(\.endedAt).max() ?? .distantPast, orchestrator.clock.date))
        }
        let outcome = Outcome(
            service: service.description, connection: configuration.connection, queueURL: queueURL,
            visibilityTimeoutSeconds: configuration.visibilityTimeout.inSeconds, watcher: watcherName,
            trigger: queueTrigger.description, mode: mode, start: start, deliveries: deliveries,
            acknowledgements: acknowledgements, runs: runs.map(result), resumedRuns: resumed.map(result),
            eventsSeen: status.eventsSeen, eventsRecorded: status.eventsRecorded, duplicates: status.duplicates,
            deadLettered: status.deadLettered, visibleAtEnd: visible, inFlightAtEnd: inFlightAtEnd)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Sends orders 1…`count`, and a consumer receives them and dies without deleting them. Returns when it started
    /// receiving them: their visibility timeout runs from a moment after that.
    static func consumerDies(
        holding count: Int, of queue: String, on service: any QueueService,
        clock: EventideClock
    ) async throws -> Date {
        for order in 1...count {
            _ = try await service.send(queue, body: #"{"order": \#(order)}"#, attributes: ["type": "order.placed"])
        }
        let receiving = clock.date
        var taken: [QueueMessage] = []
        while taken.count < count {
            let batch = try await service.receive(
                queue, limit: count - taken.count, visibilityTimeout: nil,
                wait: .seconds(2))
            guard !batch.isEmpty else {
                throw ScenarioError.queueDidNotDeliver(queue: queue, sent: count, received: taken.count)
            }
            taken += batch
        }
        return receiving
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let acks = outcome.acknowledgements
        let afterCommit = acks.filter { $0.found == .committedNow || $0.found == .committedEarlier }.count
        var lines: [String] = []
        if outcome.mode == .resumed {
            lines.append(
                "resumed: the killed run left \(outcome.start.ready + outcome.start.inFlight) message(s) on the "
                    + "queue (\(outcome.start.inFlight) in flight); this run sent none of its own")
        }
        if outcome.start.unfinishedRuns > 0 {
            lines.append(
                "runs an earlier run left unfinished: \(outcome.start.unfinishedRuns); finished by this run: "
                    + "\(outcome.resumedRuns.filter { $0.state.isFinished }.count)")
        }
        lines += [
            "this run: \(outcome.eventsSeen) messages → \(outcome.deliveries.count) asset events → \(outcome.runs.count) "
                + "runs of \(dagId) (\(outcome.runs.filter { $0.state == .success }.count) succeeded); duplicates (recorded "
                + "before, no second run): \(outcome.duplicates); dead-lettered: \(outcome.deadLettered)",
            "\(afterCommit) of \(acks.count) deletes came after the message's asset event was committed (looked up in "
                + "the store at each acknowledgement); before it: \(acks.filter { $0.found == .nothing }.count)",
            "left in \(outcome.queueURL): \(outcome.visibleAtEnd) ready, \(outcome.inFlightAtEnd) in flight",
        ]
        let fresh = outcome.deliveries.filter { $0.origin == .sent }
        let abandoned = outcome.deliveries.filter { $0.origin == .abandoned }
        if let slowest = fresh.compactMap(\.recordedAfterMilliseconds).max() {
            lines.append(
                "fresh orders: delivery \(Set(fresh.map(\.deliveryCount)).sorted()), recorded at most "
                    + String(format: "%.0f ms", slowest) + " after the send")
        }
        if let first = abandoned.compactMap(\.recordedAfterMilliseconds).min() {
            lines.append(
                "orders held by the dead consumer: delivery \(Set(abandoned.map(\.deliveryCount)).sorted()), "
                    + "recorded from " + String(format: "%.0f ms", first) + " after it took them (visibility timeout "
                    + String(format: "%.0f s", outcome.visibilityTimeoutSeconds) + ")")
        }
        return lines
    }
}

extension SQSWatcherSetup {
    /// Wraps each trigger event's acknowledgement: just before the message is deleted, it looks in the store for the
    /// message's asset event (or its dead letter), notes what it found, then deletes. This is how the example
    /// measures that the delete follows the commit, rather than asserting it.
    final class AcknowledgementProbe: Sendable {
        private let scheduler: Scheduler
        private let deadLetters: DeadLetterQueue
        private let timeline: Timeline
        private let state = Mutex<(earlier: Set<Int64>, acks: [Acknowledgement], deleted: Int)>(([], [], 0))

        init(scheduler: Scheduler, deadLetters: DeadLetterQueue, timeline: Timeline) {
            self.scheduler = scheduler
            self.deadLetters = deadLetters
            self.timeline = timeline
        }

        /// Asset events that were in the store before this run (a message found with one of them is a redelivery).
        var earlierEventIds: Set<Int64> {
            get { state.withLock { $0.earlier } }
            set { state.withLock { $0.earlier = newValue } }
        }

        var acknowledgements: [Acknowledgement] { state.withLock { $0.acks } }
        /// Messages deleted so far (each after its line on the timeline).
        var deleted: Int { state.withLock { $0.deleted } }

        func observe(_ event: TriggerEvent) -> TriggerEvent {
            var observed = event
            observed.acknowledge = { [self] in
                let (found, committed) = try await lookUp(event.messageId)
                let ack = Acknowledgement(messageId: event.messageId ?? "", found: found, eventId: committed?.id)
                state.withLock { $0.acks.append(ack) }
                try await event.acknowledge()
                let what =
                    committed.map { "order \($0.extra["order"]?.exactIntegerValue ?? 0), asset event #\($0.id)" }
                    ?? "message \(ack.messageId.prefix(8))…"
                timeline.note("\(what) (delivery \(event.deliveryCount ?? 1)): \(found.rawValue) → message deleted")
                state.withLock { $0.deleted += 1 }
            }
            return observed
        }

        /// What the store holds for the message right now.
        func lookUp(_ messageId: String?) async throws -> (Acknowledgement.Found, AssetEvent?) {
            guard let messageId else { return (.nothing, nil) }
            let committed = try await scheduler.allAssetEvents().first {
                if case .watcher(SQSWatcherSetup.watcherName, messageId) = $0.source { true } else { false }
            }
            if let committed {
                return (earlierEventIds.contains(committed.id) ? .committedEarlier : .committedNow, committed)
            }
            let dead = try await deadLetters.list(source: SQSWatcherSetup.watcherName).contains {
                $0.messageId == messageId
            }
            return (dead ? .deadLettered : .nothing, nil)
        }
    }
}
