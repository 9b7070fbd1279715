import ArgumentParser
import Eventide
import EventideCLI
import EventideSQSCLI

@main
struct S3SQSEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_03_s3_sqs_events",
        abstract:
            "117.2.3 S3 event notifications via SQS: object puts become file-arrival asset events that load the file.",
        discussion: """
            Creates the bucket and a notification rule (ObjectCreated under incoming/ ending in .csv) to the queue, \
            sends one stray message and puts five objects (one overwritten before its first version is loaded), then \
            starts the watcher. Each notified object becomes a file-arrival asset event (bucket, decoded key, size, \
            ETag, event name) and a run that reads the object back, or skips a version overwritten since. The stray \
            message is dead-lettered. Runs on embedded buckets and queues; --sqs http://127.0.0.1:5000 runs it on \
            moto's S3 and SQS (scripts/servers up moto).

            Does not resume: on a --db that an earlier run used, or a queue that still holds messages, it refuses \
            before putting, sending or receiving anything (the earlier run's messages stay where they are); pass a \
            new --db, or omit it, and another --bucket and --queue on a server.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The bucket's name.") var bucket = "landing"
    @Option(help: "The notification queue's name.") var queue = "landing-events"

    func validate() throws {
        guard (3...63).contains(bucket.count),
            bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else {
            throw ValidationError("--bucket must be 3 to 63 lowercase letters, digits or '-', got '\(bucket)'")
        }
        guard !queue.isEmpty, QueueName.isValid(queue + "-dlq") else {
            throw ValidationError(
                "--queue must be 1 to 76 letters, digits, '-' or '_' (its DLQ adds '-dlq'), got '\(queue)'")
        }
    }

    func run() async throws {
        let configuration = S3SQSEvents.Configuration(bucket: bucket, queue: queue)
        try await options.run(prefix: "s3-sqs-events") { database in
            let service = try queues.service(database: database)
            return try await S3SQSEvents.run(
                configuration, store: try queues.objectStore(database: database, queues: service),
                queues: service, database: database)
        }
    }
}
