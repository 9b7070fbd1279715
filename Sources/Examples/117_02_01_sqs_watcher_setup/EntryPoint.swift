import ArgumentParser
import Eventide
import EventideCLI
import EventideSQSCLI

@main
struct SQSWatcherSetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_02_01_sqs_watcher_setup",
        abstract: "117.2.1 SQS watcher setup: an asset fed by an SQS queue through an AssetWatcher.",
        discussion: """
            Creates the queue 'orders' with a visibility timeout, lets a consumer take some orders and die without \
            deleting them, then starts an AssetWatcher on the queue: every message becomes an asset event and one \
            run of process_orders. At each delete the example looks up the message's asset event in the store, \
            measuring that the delete follows the commit. The orders the dead consumer held come back once the \
            visibility timeout runs out. Runs on the embedded SQLite queues; --sqs http://127.0.0.1:5000 runs the \
            same on moto's SQS (scripts/servers up moto).

            Resumes after a kill: run it again with the same --db and --queue (and --visibility-timeout). When the \
            queue still holds messages, the run sends no new orders: it records what the killed run left (a message \
            whose asset event was committed before the kill counts as a duplicate and makes no second run), lets \
            the executor finish the runs left unfinished, and counts only this run's work. On a used --db with an \
            empty queue it runs the whole story again, counting only its own events and runs.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The queue's name.") var queue = "orders"
    @Option(help: "Orders sent while the watcher runs.") var orders = 3
    @Option(help: "Orders a consumer takes and dies holding.") var abandoned = 2
    @Option(help: "The queue's visibility timeout in seconds.") var visibilityTimeout = 2

    func validate() throws {
        guard QueueName.isValid(queue) else {
            throw ValidationError("--queue must be 1 to 80 letters, digits, '-' or '_' (SQS's rule), got '\(queue)'")
        }
        guard (1...100).contains(orders) else {
            throw ValidationError("--orders must be between 1 and 100, got \(orders)")
        }
        guard (0...10).contains(abandoned) else {
            throw ValidationError("--abandoned must be between 0 and 10, got \(abandoned)")
        }
        guard (1...30).contains(visibilityTimeout) else {
            throw ValidationError("--visibility-timeout must be between 1 and 30 seconds, got \(visibilityTimeout)")
        }
    }

    func run() async throws {
        let configuration = SQSWatcherSetup.Configuration(
            queue: queue, orders: orders, abandoned: abandoned, visibilityTimeout: .seconds(visibilityTimeout),
            connection: try queues.connection?.redacted)
        try await options.run(prefix: "sqs-watcher-setup") { database in
            try await SQSWatcherSetup.run(
                configuration, service: try queues.service(database: database), database: database)
        }
    }
}
