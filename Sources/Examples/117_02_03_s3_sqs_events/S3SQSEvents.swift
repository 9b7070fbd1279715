import Eventide
import EventideCLI
import EventideS3
import EventideSQSCLI
import Foundation

/// 117.2.3 — S3 announces new objects on an SQS queue; the watcher reads those notifications, turns each object
/// record into a file-arrival asset event (bucket, decoded key, size, ETag, event name), and a DAG loads the file.
/// The bucket notifies only for keys under `incoming/` ending in `.csv`; a message on the queue that is not an S3
/// notification is dead-lettered with the reason.
enum S3SQSEvents {
    static let item = "117.2.3"
    static let title = "S3 Event Notifications via SQS"
    static let watcherName = "landing_watcher"
    static let dagId = "load_landed_file"

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
        let bucket: String
        let key: String
        let size: Int
        let etag: String
        let eventName: String
        /// The ETag the store returned for the put this arrival stands for.
        let etagAtUpload: String
        /// Rows the DAG counted in the object it read back; nil when the object had changed since (the run skipped).
        let rowsLoaded: Int?
        let loadState: TaskState?
        let runState: DagRunState?
    }

    struct Outcome: Codable, Sendable {
        let store: String
        let queueService: String
        let rule: String
        let uploads: [Upload]
        let arrivals: [Arrival]
        /// Puts for which no file-arrival asset event arrived (the rule left them out).
        let notNotified: [String]
        let deadLetters: [String]
        let eventsSeen: Int
        let queueLeft: Int
    }

    static let uploads: [Upload] = [
        Upload(key: "incoming/orders 2026-11-23.csv", rows: 3),
        Upload(key: "incoming/customers.csv", rows: 2),
        Upload(key: "incoming/readme.txt", rows: 1),
        Upload(key: "archive/orders 2026-11-22.csv", rows: 4),
        Upload(key: "incoming/customers.csv", rows: 5),  // overwritten later: a second event, another ETag
    ]

    static func csv(rows: Int) -> Data {
        Data((["id,amount"] + (1...max(rows, 1)).map { "\($0),\($0 * 10)" }).joined(separator: "\n").utf8)
    }

    /// Reads the object a file-arrival event names and counts its rows. If the object was overwritten since the
    /// event, its ETag differs: the newer put has its own event and run, so this one skips rather than loading the
    /// newer content twice (or a half-replaced dataset once).
    static func load(_ arrival: [String: JSONValue], from store: any ObjectStore) async throws -> TaskOutput {
        guard let bucket = arrival["bucket"]?.stringValue, let key = arrival["key"]?.stringValue else {
            throw ExampleError("a file-arrival event without bucket and key")
        }
        let (body, etag) = try await store.getObject(bucket: bucket, key: key)
        guard etag == arrival["etag"]?.stringValue else {
            throw TaskSkipped("\(key) changed since this event (now ETag \(etag.prefix(8))…); its newer event loads it")
        }
        let rows = String(decoding: body, as: UTF8.self).split(separator: "\n").count - 1
        return TaskOutput(value: ["key": .string(key), "rows": .number(Double(rows))])
    }

    static func run(_ configuration: Configuration, store: any ObjectStore, queues: any QueueService,
                    database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (bucket, queue) = (configuration.bucket, configuration.queue)
        try await queues.createQueue(queue + "-dlq", QueueSettings())
        try await queues.createQueue(queue, QueueSettings(visibilityTimeout: .seconds(30), deadLetterQueue: queue + "-dlq",
                                                          maxReceives: 5))
        try await queues.requireEmptyQueue(queue)
        try await store.createBucket(bucket)
        try await store.notify(bucket: bucket, queue: queue, events: ["s3:ObjectCreated:*"],
                               prefix: configuration.prefix, suffix: configuration.suffix)
        let rule = "s3:ObjectCreated:* on \(bucket)/\(configuration.prefix)*\(configuration.suffix) → \(try await queues.queueURL(queue))"
        timeline.note("\(store): bucket \(bucket) notifies \(rule)")

        let trigger = S3NotificationTrigger(queueTrigger: queues.trigger(for: queue, visibilityTimeout: nil, wait: .milliseconds(200)))
        let landing = try Asset(uri: "s3://\(bucket)/\(configuration.prefix)", name: "landing_files", watchers: [
            AssetWatcher(name: watcherName, trigger: trigger, extract: S3NotificationTrigger.fileArrival)])
        let dag = try DAG(dagId, schedule: .on([landing]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("load") { context in
                guard let event = context.triggeringEvents(of: landing).first else { throw ExampleError("no triggering event") }
                return try await load(event.extra, from: store)
            }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [landing])
        try await orchestrator.requireFreshStore()
        timeline.note("\(watcherName): S3NotificationTrigger on \(queue) → asset \(landing.uri); \(dagId) loads each file")

        let notified = uploads.filter { $0.key.hasPrefix(configuration.prefix) && $0.key.hasSuffix(configuration.suffix) }
        let scheduler = orchestrator.scheduler
        let (etags, status) = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: watcherName, state: .running)
            var etags: [String] = []
            for (index, upload) in uploads.enumerated() {
                if index == uploads.count - 1 {
                    // The overwrite comes once the first version is loaded, so every run has its own version.
                    let earlier = uploads.dropLast().filter { notified.contains($0) }.count
                    _ = try await scheduler.waitForFinishedRuns(of: dagId, count: earlier)
                }
                etags.append(try await store.putObject(bucket: bucket, key: upload.key, body: csv(rows: upload.rows)))
                timeline.note("put \(bucket)/\(upload.key) (\(upload.rows) rows)")
            }
            // A producer that writes the wrong thing to the notification queue.
            _ = try await queues.send(queue, body: #"{"hello": "not an S3 event"}"#, attributes: [:])
            let status = try await orchestrator.triggerer.waitFor(watcher: watcherName) {
                $0.eventsRecorded == notified.count && $0.deadLettered == 1
            }
            _ = try await scheduler.waitForFinishedRuns(of: dagId, count: notified.count)
            return (etags, status)
        }
        let runs = try await scheduler.runs(of: dagId)
        let events = try await scheduler.assetEvents(for: landing.key)
        var remaining = Array(zip(uploads, etags))
        let arrivals = events.map { event -> Arrival in
            let key = event.extra["key"]?.stringValue ?? "", etag = event.extra["etag"]?.stringValue ?? ""
            let upload = remaining.firstIndex { $0.0.key == key && $0.1 == etag }.map { remaining.remove(at: $0) }
            let run = runs.first { $0.triggeringAssetEvents.contains { $0.id == event.id } }
            return Arrival(bucket: event.extra["bucket"]?.stringValue ?? "", key: key,
                           size: event.extra["size"]?.exactIntegerValue ?? -1, etag: etag,
                           eventName: event.extra["eventName"]?.stringValue ?? "", etagAtUpload: upload?.1 ?? "",
                           rowsLoaded: run?.task("load")?.returnValue?["rows"]?.exactIntegerValue,
                           loadState: run?.task("load")?.state, runState: run?.state)
        }
        for arrival in arrivals {
            timeline.note("arrival \(arrival.eventName) \(arrival.bucket)/\(arrival.key) size \(arrival.size) etag \(arrival.etag.prefix(8))… "
                + "→ run \(arrival.runState?.rawValue ?? "none"): "
                + (arrival.rowsLoaded.map { "\($0) rows loaded" } ?? "load \(arrival.loadState?.rawValue ?? "?") (overwritten since)"))
        }
        let deadLetters = try await orchestrator.triggerer.deadLetters.list(source: watcherName).map(\.reason)
        for reason in deadLetters { timeline.note("dead-lettered: \(reason)") }
        let (visible, inFlight) = try await queues.counts(queue)
        let outcome = Outcome(
            store: store.description, queueService: queues.description, rule: rule, uploads: uploads, arrivals: arrivals,
            // Measured: the puts no asset event stands for (matched by key and ETag above).
            notNotified: remaining.map(\.0.key), deadLetters: deadLetters,
            eventsSeen: status.eventsSeen, queueLeft: visible + inFlight)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func proved(_ outcome: Outcome) -> [String] {
        [
            "\(outcome.uploads.count) puts → \(outcome.arrivals.count) file-arrival asset events; left out by the rule: "
                + outcome.notNotified.joined(separator: ", "),
            "each arrival names what was put: bucket, decoded key (spaces too), size and the ETag S3 returned: "
                + "\(outcome.arrivals.allSatisfy { $0.etag == $0.etagAtUpload && !$0.etag.isEmpty })",
            "\(outcome.arrivals.filter { $0.rowsLoaded != nil }.count) runs of \(dagId) loaded the version their event named (rows "
                + outcome.arrivals.compactMap(\.rowsLoaded).map(String.init).joined(separator: ", ") + ")"
                + (outcome.arrivals.contains { $0.loadState == .skipped }
                    ? "; \(outcome.arrivals.filter { $0.loadState == .skipped }.count) skipped a version overwritten before it ran" : ""),
            "a message that is not an S3 notification was dead-lettered: \(outcome.deadLetters.count); queue left with \(outcome.queueLeft)",
        ]
    }
}
