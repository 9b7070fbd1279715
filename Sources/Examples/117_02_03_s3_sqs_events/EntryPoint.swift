import ArgumentParser
import Eventide
import EventideCLI
import EventideSQSCLI

@main
struct S3SQSEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_03_s3_sqs_events",
        abstract: "117.2.3 S3 event notifications via SQS: object puts become file-arrival asset events that load the file.",
        discussion: """
            Creates the bucket and a notification rule (ObjectCreated under --prefix ending in --suffix) to the queue, \
            then puts five objects. Each notified object becomes a file-arrival asset event (bucket, decoded key, size, \
            ETag, event name) and a run that reads the object back. A message on the queue that is not an S3 \
            notification is dead-lettered. Runs on embedded buckets and queues; --sqs http://127.0.0.1:5000 runs it on \
            moto's S3 and SQS (scripts/servers up moto).
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The bucket's name.") var bucket = "landing"
    @Option(help: "The notification queue's name.") var queue = "landing-events"

    func validate() throws {
        guard (3...63).contains(bucket.count), bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw ValidationError("--bucket must be 3 to 63 lowercase letters, digits or '-', got '\(bucket)'")
        }
        guard (1...70).contains(queue.count), queue.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ValidationError("--queue must be 1 to 70 letters, digits, '-' or '_', got '\(queue)'")
        }
    }

    func run() async throws {
        let database = try options.openDatabase(prefix: "s3-sqs-events")
        let service = try queues.service(database: database)
        let report = try await S3SQSEvents.run(
            .init(bucket: bucket, queue: queue),
            store: try queues.objectStore(database: database, queues: service), queues: service, database: database)
        print(report.render(json: options.json))
    }
}
