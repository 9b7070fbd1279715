import Eventide
import EventideCLI
import EventideSQSCLI
import Foundation

/// Drives `S3SQSEvents.swift`: a stray message and five puts (one overwrite) reach the queue before the watcher
/// starts; then the watcher settles every message on it. Measures each arrival, the run it made, and the puts no
/// arrival stands for.
extension S3SQSEvents {
    static let item = "117.2.3"
    static let title = "S3 Event Notifications via SQS"

    struct Configuration: Sendable {
        var bucket = "landing"
        var queue = "landing-events"
        var prefix = "incoming/"
        var suffix = ".csv"
    }

    /// An upload the example makes.
    struct Upload: Codable, Sendable, Hashable {
        let key: String
        let rows: Int
    }

    /// One file-arrival asset event and the run it triggered.
    struct Arrival: Codable, Sendable, Hashable {
        let eventId: Int64
        let bucket: String
        let key: String
        let size: Int
        let etag: String
        let eventName: String
        /// The ETag the store returned for the put this arrival stands for ("" when none matches).
        let etagAtUpload: String
        /// Rows the DAG counted in the object it read back; nil when the object had changed since (the run skipped).
        let rowsLoaded: Int?
        let loadState: TaskState?
        let runState: DagRunState?
    }

    /// A message the watcher dead-lettered, as the runtime's dead-letter store keeps it.
    struct DeadLetterRecord: Codable, Sendable, Hashable {
        let messageId: String?
        /// The message body, kept because it was not an S3 notification.
        let undecodableBody: String?
        let reason: String
    }

    struct Outcome: Codable, Sendable {
        let store: String
        let queueService: String
        let rule: String
        let uploads: [Upload]
        /// Messages on the queue when the watcher started: S3's test event, the notifications, the stray message.
        let queuedAtStart: Int
        let arrivals: [Arrival]
        /// Puts for which no file-arrival asset event arrived (matched by key and ETag).
        let notNotified: [String]
        let deadLetters: [DeadLetterRecord]
        let eventsSeen: Int
        let queueLeft: Int
    }

    static let uploads: [Upload] = [
        Upload(key: "incoming/orders 2026-11-23.csv", rows: 3),
        Upload(key: "incoming/customers.csv", rows: 2),
        Upload(key: "incoming/readme.txt", rows: 1),
        Upload(key: "archive/orders 2026-11-22.csv", rows: 4),
        Upload(key: "incoming/customers.csv", rows: 5),  // overwritten before its first version is loaded
    ]

    static func csv(rows: Int) -> Data {
        Data((["id,amount"] + (1...max(rows, 1)).map { "\($0),\($0 * 10)" }).joined(separator: "\n").utf8)
    }

    static func run(
        _ configuration: Configuration, store: any ObjectStore, queues: any QueueService,
        database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (bucket, queue) = (configuration.bucket, configuration.queue)
        // Every message the watcher settles (deletes, or rejects into the DLQ), S3's test event included.
        let (settled, settle) = AsyncStream.makeStream(of: Void.self)
        let queueTrigger = MappedTrigger(
            queues.trigger(for: queue, visibilityTimeout: nil, wait: .milliseconds(200)),
            transform: { (event: TriggerEvent) -> TriggerEvent in
                var observed = event
                observed.acknowledge = { @Sendable in
                    try await event.acknowledge()
                    settle.yield()
                }
                if let reject = event.reject {
                    observed.reject = { @Sendable (reason: String) in
                        try await reject(reason)
                        settle.yield()
                    }
                }
                return observed
            })
        let landing = try landingFiles(bucket: bucket, prefix: configuration.prefix, queueTrigger: queueTrigger)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [try loadLandedFile(landing, store: store)], assets: [landing])
        // Refuses, before touching any message, a store or a queue an earlier run used (the example does not resume).
        try await orchestrator.requireFreshStore()
        try await notificationQueue(queue, on: queues)
        try await queues.requireEmptyQueue(queue)
        try await notifyOnArrival(
            bucket: bucket, queue: queue, prefix: configuration.prefix, suffix: configuration.suffix,
            store: store)
        let rule =
            "s3:ObjectCreated:* on \(bucket)/\(configuration.prefix)*\(configuration.suffix) → \(try await queues.queueURL(queue))"
        timeline.note("\(store): bucket \(bucket) notifies \(rule)")
        timeline.note(
            "\(watcherName): S3NotificationTrigger on \(queue) → asset \(landing.uri); \(dagId) loads each file")

        // A producer that writes the wrong thing to the notification queue.
        _ = try await queues.send(queue, body: #"{"hello": "not an S3 event"}"#, attributes: [:])
        timeline.note("a stray message sent to \(queue): not an S3 notification")
        var etags: [String] = []
        for upload in uploads {
            etags.append(try await store.putObject(bucket: bucket, key: upload.key, body: csv(rows: upload.rows)))
            timeline.note("put \(bucket)/\(upload.key) (\(upload.rows) rows, ETag \(etags.last?.prefix(8) ?? "")…)")
        }
        let queuedAtStart = try await queues.counts(queue).visible
        timeline.note("the queue holds \(queuedAtStart) messages: starting the watcher")

        let scheduler = orchestrator.scheduler
        let status = try await orchestrator.withServices {
            try await WaitDeadline.default.enforce(waitingFor: "the watcher to settle \(queuedAtStart) messages") {
                var count = 0
                for await _ in settled {
                    count += 1
                    if count == queuedAtStart { return }
                }
            }
            try await scheduler.waitUntilRunsFinished([dagId])
            return try await orchestrator.triggerer.waitFor(watcher: watcherName) { _ in true }  // its counters now
        }

        // What the store recorded: each arrival with the time it was recorded, and the run it made.
        let runs = try await scheduler.runs(of: dagId)
        var remaining = Array(zip(uploads, etags))
        var arrivals: [Arrival] = []
        for event in try await scheduler.assetEvents(for: landing.key) {
            let key = event.extra["key"]?.stringValue ?? "", etag = event.extra["etag"]?.stringValue ?? ""
            let upload = remaining.firstIndex { $0.0.key == key && $0.1 == etag }.map { remaining.remove(at: $0) }
            let run = runs.first { $0.triggeringAssetEvents.contains { $0.id == event.id } }
            let arrival = Arrival(
                eventId: event.id, bucket: event.extra["bucket"]?.stringValue ?? "", key: key,
                size: event.extra["size"]?.exactIntegerValue ?? -1, etag: etag,
                eventName: event.extra["eventName"]?.stringValue ?? "", etagAtUpload: upload?.1 ?? "",
                rowsLoaded: run?.task("load")?.returnValue?["rows"]?.exactIntegerValue,
                loadState: run?.task("load")?.state, runState: run?.state)
            arrivals.append(arrival)
            timeline.note(
                "asset event #\(event.id): \(arrival.eventName) \(arrival.bucket)/\(key), size \(arrival.size), "
                    + "ETag \(etag.prefix(8))…", at: event.timestamp)
        }
        if let last = runs.compactMap(\.endedAt).max() {
            timeline.note(
                "runs of \(dagId): "
                    + arrivals.map { arrival in
                        "#\(arrival.eventId) "
                            + (arrival.rowsLoaded.map { "\($0) rows loaded" }
                                ?? "load \(arrival.loadState?.rawValue ?? "not run") (changed since its event)")
                    }.joined(separator: "; "), at: last)
        }
        let deadLetters = try await orchestrator.triggerer.deadLetters.list(source: watcherName)
        for letter in deadLetters { timeline.note("dead-lettered: \(letter.reason)", at: letter.deadLetteredAt) }
        let (visible, inFlight) = try await queues.counts(queue)
        let outcome = Outcome(
            store: store.description, queueService: queues.description, rule: rule, uploads: uploads,
            queuedAtStart: queuedAtStart, arrivals: arrivals, notNotified: remaining.map(\.0.key),
            deadLetters: deadLetters.map {
                DeadLetterRecord(
                    messageId: $0.messageId, undecodableBody: $0.payload["undecodable"]?.stringValue,
                    reason: $0.reason)
            },
            eventsSeen: status.eventsSeen, queueLeft: visible + inFlight)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let skipped = outcome.arrivals.filter { $0.loadState == .skipped }
        return [
            "\(outcome.uploads.count) puts → \(outcome.arrivals.count) file-arrival asset events; no event for: "
                + outcome.notNotified.joined(separator: ", "),
            "each arrival names what was put: bucket, decoded key (spaces too), size and the ETag S3 returned: "
                + "\(outcome.arrivals.allSatisfy { $0.etag == $0.etagAtUpload && !$0.etag.isEmpty })",
            "\(outcome.arrivals.filter { $0.rowsLoaded != nil }.count) runs of \(dagId) loaded the version their event named "
                + "(rows " + outcome.arrivals.compactMap(\.rowsLoaded).map(String.init).joined(separator: ", ") + "); "
                + "\(skipped.count) skipped a version overwritten before it ran",
            "not an S3 notification, dead-lettered: \(outcome.deadLetters.count); of \(outcome.queuedAtStart) messages "
                + "queued at the start, left on the queue: \(outcome.queueLeft)",
        ]
    }
}
