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
            run of process_orders, and is deleted only after its asset event is committed. The orders the dead \
            consumer held come back once the visibility timeout runs out. Runs on the embedded SQLite queues; \
            --sqs http://127.0.0.1:5000 runs the same on moto's SQS (scripts/servers up moto).
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var queues: QueueOptions
    @Option(help: "The queue's name.") var queue = "orders"
    @Option(help: "Orders sent while the watcher runs.") var orders = 3
    @Option(help: "Orders a consumer takes and dies holding.") var abandoned = 2
    @Option(help: "The queue's visibility timeout in seconds.") var visibilityTimeout = 2

    func validate() throws {
        guard (1...80).contains(queue.count), queue.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ValidationError("--queue must be 1 to 80 letters, digits, '-' or '_' (SQS's rule), got '\(queue)'")
        }
        guard (1...100).contains(orders) else { throw ValidationError("--orders must be between 1 and 100, got \(orders)") }
        guard (0...10).contains(abandoned) else { throw ValidationError("--abandoned must be between 0 and 10, got \(abandoned)") }
        guard (1...30).contains(visibilityTimeout) else {
            throw ValidationError("--visibility-timeout must be between 1 and 30 seconds, got \(visibilityTimeout)")
        }
    }

    func run() async throws {
        let database = try options.openDatabase(prefix: "sqs-watcher-setup")
        let report = try await SQSWatcherSetup.run(
            .init(queue: queue, orders: orders, abandoned: abandoned, visibilityTimeout: .seconds(visibilityTimeout),
                  connection: try queues.connection?.redacted),
            service: try queues.service(database: database), database: database)
        print(report.render(json: options.json))
    }
}
