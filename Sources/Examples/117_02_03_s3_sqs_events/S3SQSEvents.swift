import Eventide
import EventideS3
import Foundation

/// 117.2.3 — S3 announces new objects on an SQS queue; the watcher reads those notifications, turns each object
/// record into a file-arrival asset event (bucket, decoded key, size, ETag, event name), and a DAG loads the file.
/// The bucket notifies only for keys under `incoming/` ending in `.csv`; a message on the queue that is not an S3
/// notification is dead-lettered with the reason.
enum S3SQSEvents {
    static let watcherName = "landing_watcher"
    static let dagId = "load_landed_file"

    // [START notifications]
    /// The notification queue, with a dead-letter queue for what is not a notification.
    static func notificationQueue(_ queue: String, on queues: any QueueService) async throws {
        try await queues.createQueue(queue + "-dlq", QueueSettings())
        try await queues.createQueue(
            queue,
            QueueSettings(
                visibilityTimeout: .seconds(30), deadLetterQueue: queue + "-dlq",
                maxReceives: 5))
    }

    /// The bucket and its rule: objects created under `prefix` ending in `suffix` are announced on the queue.
    static func notifyOnArrival(
        bucket: String, queue: String, prefix: String, suffix: String,
        store: any ObjectStore
    ) async throws {
        try await store.createBucket(bucket)
        try await store.notify(
            bucket: bucket, queue: queue, events: ["s3:ObjectCreated:*"], prefix: prefix, suffix: suffix)
    }
    // [END notifications]

    // [START watcher]
    /// `s3://<bucket>/<prefix>`, watched through the queue: one asset event per object record, its extra the file
    /// arrival. `fileArrival` throws for a message that is not a notification: the watcher dead-letters it.
    static func landingFiles(bucket: String, prefix: String, queueTrigger: any Trigger) throws -> Asset {
        try Asset(
            uri: "s3://\(bucket)/\(prefix)", name: "landing_files",
            watchers: [
                AssetWatcher(
                    name: watcherName, trigger: S3NotificationTrigger(queueTrigger: queueTrigger),
                    extract: S3NotificationTrigger.fileArrival)
            ])
    }
    // [END watcher]

    // [START load]
    /// Reads the object a file-arrival event names and counts its rows. If the object was overwritten since the
    /// event, its ETag differs: the newer put has its own event and run, so this one skips rather than loading the
    /// newer content twice (or a half-replaced dataset once).
    static func load(_ arrival: [String: JSONValue], from store: any ObjectStore) async throws -> TaskOutput {
        guard let bucket = arrival["bucket"]?.stringValue, let key = arrival["key"]?.stringValue else {
            throw LoadError.noBucketOrKey
        }
        let (body, etag) = try await store.getObject(bucket: bucket, key: key)
        guard etag == arrival["etag"]?.stringValue else {
            throw TaskSkipped("\(key) changed since this event (now ETag \(etag.prefix(8))…); its newer event loads it")
        }
        let rows = String(decoding: body, as: UTF8.self).split(separator: "\n").count - 1
        return TaskOutput(value: ["key": .string(key), "rows": .number(Double(rows))])
    }

    /// One run per arrival (`.perEvent`), loading the file its event names.
    static func loadLandedFile(_ landing: Asset, store: any ObjectStore) throws -> DAG {
        try DAG(
            dagId, schedule: .on([landing]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("load") { context in
                    guard let event = context.triggeringEvents(of: landing).first else {
                        throw LoadError.noTriggeringEvent
                    }
                    return try await load(event.extra, from: store)
                }
            ])
    }
    // [END load]

    /// Why the load task could not start.
    enum LoadError: Error, Equatable, CustomStringConvertible {
        case noBucketOrKey, noTriggeringEvent

        var description: String {
            switch self {
            case .noBucketOrKey:
                "the file-arrival event names no bucket and key; was it recorded by S3NotificationTrigger?"
            case .noTriggeringEvent: "the run has no triggering file-arrival event; was it started by hand?"
            }
        }
    }
}
