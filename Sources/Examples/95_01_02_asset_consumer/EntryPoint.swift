import ArgumentParser
import EventideCLI

@main
struct AssetConsumerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_01_02_asset_consumer",
        abstract: "95.1.2 Asset Consumer Pattern: DAGs scheduled on assets run when their producers update them.",
        discussion: """
            Two producers update s3://warehouse/orders/daily and s3://warehouse/customers. orders_report is \
            scheduled on [orders]; customer_orders is scheduled on [orders, customers] (all of them). Each producer \
            run carries a correlation id that travels in the asset event's extra to the consumer runs it triggers. \
            A --db that an earlier run filled is refused (the story counts from event #1 and run 1): pass a new \
            file, or omit --db for a temporary store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "How many batches the orders producer publishes (customers publishes once, after batch 1).")
    var batches = 2

    func validate() throws {
        guard (1...100).contains(batches) else {
            throw ValidationError("--batches must be between 1 and 100, got \(batches)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "asset-consumer") {
            try await AssetConsumer.run(.init(batches: batches), database: $0)
        }
    }
}
