import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation

/// 117.2.1 — an asset fed by an SQS queue: an `AssetWatcher` on the queue's trigger turns each message into an
/// asset event, and a DAG scheduled on the asset runs once per message. The message is deleted only after its
/// asset event is committed, so the visibility timeout decides how soon a message held by a consumer that died
/// comes back: the example has one such consumer and measures it.
///
/// The same code runs on the embedded SQLite queues (default) and on SQS (`--sqs`): only the `QueueService` differs.
enum SQSWatcherSetup {
    static let item = "117.2.1"
    static let title = "SQS Watcher Setup"
    static let dagId = "process_orders"
    static let watcherName = "orders_sqs"

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

    /// One asset event the watcher recorded.
    struct Delivery: Codable, Sendable, Hashable {
        let eventId: Int64
        let order: Int
        let messageId: String
        let deliveryCount: Int
        let attributes: [String: String]
        /// Milliseconds from the dead consumer's receive (abandoned orders) or from the send (the others) to the
        /// asset event's commit.
        let recordedAfterMilliseconds: Double
        let abandoned: Bool
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
        let deliveries: [Delivery]
        let runs: [RunResult]
        let eventsSeen: Int
        let eventsRecorded: Int
        let duplicates: Int
        /// Messages left in the queue at the end: ready, and received but not deleted.
        let visibleAtEnd: Int
        let inFlightAtEnd: Int
    }

    /// The asset event's extra: the order from the JSON body, and where the message came from.
    static func extract(_ event: TriggerEvent) throws -> [String: JSONValue] {
        guard let order = event.payload["body"]?["order"]?.exactIntegerValue, let messageId = event.messageId else {
            throw ExampleError("message \(event.messageId ?? "?") has no integer 'order' in its body")
        }
        return ["order": .number(Double(order)), "message_id": .string(messageId),
                "delivery_count": .number(Double(event.deliveryCount ?? 1)),
                "attributes": event.payload["attributes"] ?? [:]]
    }

    static func run(_ configuration: Configuration, service: any QueueService,
                    database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let queue = configuration.queue
        try await service.createQueue(queue, QueueSettings(visibilityTimeout: configuration.visibilityTimeout))
        let queueURL = try await service.queueURL(queue)
        try await service.requireEmptyQueue(queue)
        timeline.note("queue \(queueURL) on \(service) (visibility timeout \(configuration.visibilityTimeout))"
            + (configuration.connection.map { ", connection \($0)" } ?? ""))

        // Orders 1…abandoned: a consumer receives them, then dies without deleting them.
        for order in 1..<(configuration.abandoned + 1) {
            _ = try await service.send(queue, body: #"{"order": \#(order)}"#, attributes: ["type": "order.placed"])
        }
        var abandonedAt: ContinuousClock.Instant?
        if configuration.abandoned > 0 {
            var taken: [QueueMessage] = []
            while taken.count < configuration.abandoned {
                let batch = try await service.receive(queue, limit: configuration.abandoned - taken.count,
                                                      visibilityTimeout: nil, wait: .seconds(2))
                guard !batch.isEmpty else { throw ExampleError("the queue did not deliver the orders just sent") }
                taken += batch
            }
            abandonedAt = .now
            timeline.note("a consumer received orders 1…\(configuration.abandoned) and died without deleting them: "
                + "invisible until the visibility timeout runs out")
        }

        let trigger = service.trigger(for: queue, visibilityTimeout: nil, wait: .seconds(1))
        let watcher = AssetWatcher(name: watcherName, trigger: trigger, extract: extract,
                                   connectionId: configuration.connection == nil ? nil : "aws_default")
        let asset = try Asset(uri: "sqs://\(queue)", name: "orders_queue", watchers: [watcher])
        let dag = try DAG(dagId, schedule: .on([asset]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("process") { context in
                TaskOutput(value: .array(context.triggeringEvents(of: asset).compactMap { $0.extra["order"] }))
            }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [asset])
        try await orchestrator.requireFreshStore()
        timeline.note("Asset(\(asset.uri), watchers: [AssetWatcher(\(watcherName), \(trigger))]); \(dagId) runs once per event")

        let total = configuration.abandoned + configuration.orders
        let scheduler = orchestrator.scheduler
        let recordedStream = scheduler.recordedAssetEvents()
        let (events, sentAt, recordedAt, runs, status) = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: watcherName, state: .running)
            var sentAt: [Int: ContinuousClock.Instant] = [:]
            for order in (configuration.abandoned + 1)..<(total + 1) {
                _ = try await service.send(queue, body: #"{"order": \#(order)}"#, attributes: ["type": "order.placed"])
                sentAt[order] = .now
            }
            var events: [AssetEvent] = [], recordedAt: [Int64: ContinuousClock.Instant] = [:]
            for await event in recordedStream where event.asset == asset.key {
                recordedAt[event.id] = .now
                events.append(event)
                let order = event.extra["order"]?.exactIntegerValue ?? 0
                timeline.note("asset event #\(event.id): order \(order), delivery \(event.extra["delivery_count"]?.exactIntegerValue ?? 0)")
                if events.count == total { break }
            }
            let runs = try await scheduler.waitForFinishedRuns(of: dagId, count: total)
            let status = try await orchestrator.triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == total }
            return (events, sentAt, recordedAt, runs, status)
        }
        let (visible, inFlight) = try await service.counts(queue)

        let deliveries = events.map { event -> Delivery in
            let order = event.extra["order"]?.exactIntegerValue ?? 0
            let abandoned = order <= configuration.abandoned
            let since = abandoned ? abandonedAt : sentAt[order]
            let after = since.flatMap { start in recordedAt[event.id].map { ($0 - start).inMilliseconds } } ?? 0
            return Delivery(eventId: event.id, order: order, messageId: event.extra["message_id"]?.stringValue ?? "",
                            deliveryCount: event.extra["delivery_count"]?.exactIntegerValue ?? 0,
                            attributes: (event.extra["attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                            recordedAfterMilliseconds: (after * 10).rounded() / 10, abandoned: abandoned)
        }
        let results = runs.map { run in
            RunResult(runId: run.runId, state: run.state,
                      orders: (run.task("process")?.returnValue?.arrayValue ?? []).compactMap(\.exactIntegerValue))
        }
        for run in results { timeline.note("run \(run.runId) \(run.state.rawValue): orders \(run.orders)") }
        let outcome = Outcome(
            service: service.description, connection: configuration.connection, queueURL: queueURL,
            visibilityTimeoutSeconds: configuration.visibilityTimeout.inSeconds, watcher: watcherName,
            trigger: trigger.description, deliveries: deliveries, runs: results, eventsSeen: status.eventsSeen,
            eventsRecorded: status.eventsRecorded, duplicates: status.duplicates, visibleAtEnd: visible, inFlightAtEnd: inFlight)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func proved(_ outcome: Outcome) -> [String] {
        let abandoned = outcome.deliveries.filter(\.abandoned)
        let fresh = outcome.deliveries.filter { !$0.abandoned }
        var lines = [
            "\(outcome.deliveries.count) messages → \(outcome.eventsRecorded) asset events → \(outcome.runs.count) runs of "
                + "\(dagId) (\(outcome.runs.filter { $0.state == .success }.count) succeeded); duplicates \(outcome.duplicates)",
            "left in \(outcome.queueURL): \(outcome.visibleAtEnd) ready, \(outcome.inFlightAtEnd) in flight — each message "
                + "was deleted after its asset event was committed",
        ]
        if let slowest = fresh.map(\.recordedAfterMilliseconds).max() {
            lines.append("fresh orders: delivery 1, recorded at most " + String(format: "%.0f ms", slowest) + " after the send")
        }
        if let first = abandoned.map(\.recordedAfterMilliseconds).min() {
            lines.append("orders held by the dead consumer: delivery \(Set(abandoned.map(\.deliveryCount)).sorted()), "
                + "recorded from " + String(format: "%.0f ms", first) + " after it took them — not before the "
                + String(format: "%.0f s", outcome.visibilityTimeoutSeconds) + " visibility timeout")
        }
        return lines
    }
}
