import ArgumentParser
import EventideCLI
import EventideSQSCLI

@main
struct SQSDeadLetterQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_05_sqs_dlq",
        abstract:
            "117.2.5 SQS dead-letter queue handling: dead letters by rejection and by redrive, reprocessed by a DAG, with an alert.",
        discussion: """
            The payments queue has a redrive policy to payments-dlq. A worker that crashes on a payment makes the \
            queue move it there after --max-receives receives; the payments watcher rejects payments it cannot read \
            into it with the reason. A second watcher turns every dead letter into an asset event; reprocess_dead_letters \
            repairs what it can and sends it back, parks the rest, and publishes an alert asset event when at least \
            --alert-threshold dead letters arrived within the window. Runs on the embedded queues; --sqs \
            http://127.0.0.1:5000 runs it on moto (scripts/servers up moto).

            A reused --db is refused, not resumed: each payment's fate is recorded from this run's watchers, so a \
            --db an earlier (or killed) run wrote to, or a queue or DLQ that still holds messages, stops the example \
            with a message saying so. Pass a new --db (or none) and, on SQS, a new --queue.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The queue's name (its DLQ is <queue>-dlq).") var queue = "payments"
    @Option(help: "Receives before the redrive policy moves a message to the DLQ.") var maxReceives = 2
    @Option(help: "Dead letters within the window that raise an alert.") var alertThreshold = 3
    @Option(help: "The alert window in seconds.") var alertWindow = 60

    var scenario: SQSDeadLetterQueue.Configuration {
        .init(
            queue: queue, maxReceives: maxReceives, alertThreshold: alertThreshold, alertWindow: .seconds(alertWindow))
    }

    func validate() throws {
        do { try scenario.validate() } catch { throw ValidationError(error.description) }
        guard (1...10).contains(maxReceives) else {
            throw ValidationError("--max-receives must be between 1 and 10, got \(maxReceives)")
        }
        guard (1...100).contains(alertThreshold) else {
            throw ValidationError("--alert-threshold must be between 1 and 100, got \(alertThreshold)")
        }
        guard (1...86_400).contains(alertWindow) else {
            throw ValidationError("--alert-window must be 1…86400 s, got \(alertWindow)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "sqs-dlq") { database in
            try await SQSDeadLetterQueue.run(
                scenario, service: try queues.service(database: database), database: database)
        }
    }
}
