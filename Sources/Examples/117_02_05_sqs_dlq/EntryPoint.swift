import ArgumentParser
import Eventide
import EventideCLI
import EventideSQSCLI

@main
struct SQSDeadLetterQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_05_sqs_dlq",
        abstract: "117.2.5 SQS dead-letter queue handling: dead letters by rejection and by redrive, reprocessed by a DAG, with an alert.",
        discussion: """
            The payments queue has a redrive policy to payments-dlq. A worker that crashes on a payment makes the \
            queue move it there after --max-receives receives; the payments watcher rejects payments it cannot read \
            into it with the reason. A second watcher turns every dead letter into an asset event; reprocess_dead_letters \
            repairs what it can and sends it back, parks the rest, and publishes an alert asset event when at least \
            --alert-threshold dead letters arrived within the window. Runs on the embedded queues; --sqs \
            http://127.0.0.1:5000 runs it on moto (scripts/servers up moto).
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The queue's name (its DLQ is <queue>-dlq).") var queue = "payments"
    @Option(help: "Receives before the redrive policy moves a message to the DLQ.") var maxReceives = 2
    @Option(help: "Dead letters within the window that raise an alert.") var alertThreshold = 3
    @Option(help: "The alert window in seconds.") var alertWindow = 60

    func validate() throws {
        guard (1...10).contains(maxReceives) else { throw ValidationError("--max-receives must be between 1 and 10, got \(maxReceives)") }
        guard (1...100).contains(alertThreshold) else {
            throw ValidationError("--alert-threshold must be between 1 and 100, got \(alertThreshold)")
        }
        guard (1...86_400).contains(alertWindow) else { throw ValidationError("--alert-window must be 1…86400 s, got \(alertWindow)") }
    }

    func run() async throws {
        let database = try options.openDatabase(prefix: "sqs-dlq")
        let report = try await SQSDeadLetterQueue.run(
            .init(queue: queue, maxReceives: maxReceives, alertThreshold: alertThreshold, alertWindow: .seconds(alertWindow)),
            service: try queues.service(database: database), database: database)
        print(report.render(json: options.json))
    }
}
