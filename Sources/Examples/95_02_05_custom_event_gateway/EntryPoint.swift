import ArgumentParser
import EventideCLI

@main
struct CustomEventGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_02_05_custom_event_gateway",
        abstract: "95.2.5 Custom Event Gateway: route, transform and deduplicate events from several senders to DAGs.",
        discussion: """
            Starts an event gateway on 127.0.0.1 (a free port) over a running runtime. A shop (CloudEvents, keyed by \
            id), a legacy till (flat JSON, keyed by the Idempotency-Key header) and fridge sensors (batches, keyed \
            by a hash of device and sequence) post a seeded workload (--seed) over HTTP, with retries, an unroutable \
            event, invalid events and an unknown sender; then the runtime restarts on the same store and the till \
            retries once more. Prints each answer as received, then per sender and per DAG what the answers and the \
            store show. A --db that already holds events or runs is refused (the counts start from an empty store).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Seed for the amounts, the temperatures and which reading is too warm.") var seed: UInt64 = 11

    func run() async throws {
        try await options.run(prefix: "event-gateway") {
            try await CustomEventGateway.run(.init(seed: seed), database: $0)
        }
    }
}
