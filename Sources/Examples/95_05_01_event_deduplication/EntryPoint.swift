import ArgumentParser
import EventideCLI

@main
struct EventDeduplicationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_05_01_event_deduplication",
        abstract:
            "95.5.1 Event Deduplication: idempotency keys, event-id tracking, a bounded window, effectively-once.",
        discussion: """
            One seeded stream of payments with redeliveries (same event id) and producer retries (new event id) \
            injected is replayed through a naive consumer and through deduplicating ones keyed by event id, by \
            order_id and by a hash of fields, each charge and its key committed in one transaction; the order_id \
            consumer is restarted half-way on a reopened store, beside an in-memory set that forgets. A crash \
            between charge and key shows what each ordering of the two costs, and two windows of 3 keys show what \
            happens when a window is full (evict the oldest, or refuse) and when keys outlive their time to live.

            A used --db is refused, not resumed: the counts are this run's, so a store that already holds charges \
            stops the example with a message saying so.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Payments in the stream (1…500).") var orders = 12
    @Option(help: "Redeliveries injected (0…500).") var redeliveries = 4
    @Option(help: "Producer retries injected (0…500).") var producerRetries = 3
    @Option(help: "Seed for the payments and where duplicates land.") var seed: UInt64 = 7
    @Option(help: "Time to live of the small windows, in milliseconds (100…60000).") var ttlMs = 1_000

    func validate() throws {
        guard (1...500).contains(orders) else { throw ValidationError("--orders must be 1…500, got \(orders)") }
        for (flag, value) in [("--redeliveries", redeliveries), ("--producer-retries", producerRetries)] {
            guard (0...500).contains(value) else { throw ValidationError("\(flag) must be 0…500, got \(value)") }
        }
        guard (100...60_000).contains(ttlMs) else { throw ValidationError("--ttl-ms must be 100…60000, got \(ttlMs)") }
    }

    func run() async throws {
        try await options.run(prefix: "event-deduplication") {
            try await EventDeduplication.run(
                .init(
                    orders: orders, redeliveries: redeliveries, producerRetries: producerRetries, seed: seed,
                    timeToLive: .milliseconds(ttlMs)), database: $0)
        }
    }
}
