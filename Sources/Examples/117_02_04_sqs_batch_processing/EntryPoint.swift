import ArgumentParser
import EventideCLI
import EventideSQSCLI

@main
struct SQSBatchProcessingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_04_sqs_batch_processing",
        abstract: "117.2.4 SQS batch processing: up to --batch-size messages per trigger event, one run per batch.",
        discussion: """
            Queues a backlog of messages and then sends a few spaced ones, consumed twice: one asset event and run \
            per message, then through a BatchingTrigger (a batch closes when full or when the --window timer fires). \
            Each run aggregates its batch; each message is deleted only after its batch's asset event is committed. \
            Runs on the embedded queues; --sqs http://127.0.0.1:5000 runs it on moto (scripts/servers up moto).

            A reused --db is refused, not resumed: the example counts messages, runs and totals from an empty store \
            and empty queues, so a --db an earlier (or killed) run wrote to, or a queue that still holds messages, \
            stops it with a message saying so. Pass a new --db (or none) and, on SQS, a new --queue.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "Queue name prefix (the example uses <queue>-per-message and <queue>-batched).") var queue = "clicks"
    @Option(help: "Messages waiting in the queue when the watcher starts.") var burst = 35
    @Option(help: "Messages sent one by one afterwards.") var trickle = 3
    @Option(help: "Milliseconds between the spaced messages.") var trickleGap = 1_000
    @Option(help: "Most messages per batch.") var batchSize = 10
    @Option(help: "Batch window in milliseconds: a batch that is not full closes when the timer fires.") var window =
        200

    var scenario: SQSBatchProcessing.Configuration {
        .init(
            queue: queue, burst: burst, trickle: trickle, trickleGap: .milliseconds(trickleGap), batchSize: batchSize,
            window: .milliseconds(window))
    }

    func validate() throws {
        do { try scenario.validate() } catch { throw ValidationError(error.description) }
        guard (1...500).contains(burst) else {
            throw ValidationError("--burst must be between 1 and 500, got \(burst)")
        }
        guard (0...20).contains(trickle) else {
            throw ValidationError("--trickle must be between 0 and 20, got \(trickle)")
        }
        guard (1...5_000).contains(trickleGap) else {
            throw ValidationError("--trickle-gap must be 1…5000 ms, got \(trickleGap)")
        }
        guard (1...100).contains(batchSize) else {
            throw ValidationError("--batch-size must be between 1 and 100, got \(batchSize)")
        }
        guard (1...10_000).contains(window) else { throw ValidationError("--window must be 1…10000 ms, got \(window)") }
    }

    func run() async throws {
        try await options.run(prefix: "sqs-batch-processing") { database in
            try await SQSBatchProcessing.run(
                scenario, service: try queues.service(database: database), database: database)
        }
    }
}
