import ArgumentParser
import EventideCLI

@main
struct CrossDagEventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_05_04_cross_dag_events",
        abstract: "117.5.4 Cross-DAG Event Propagation: produce in one DAG, consume through a watcher in another, "
            + "trace the lineage, explain why an event did or did not trigger.",
        discussion: """
            orders_producer runs on each message of the orders-in queue and publishes the orders asset; a relay \
            sends each orders event to the orders-outbox queue with its lineage headers (correlation_id, \
            causation_id, W3C traceparent), and the watcher of orders_feed turns each into an asset event for \
            billing (on orders_feed) and audit (on orders_feed & audit_window). A LineageTracker records every \
            step. o-1001 is sent, then billing is paused and o-1002 is sent; the example prints o-1001's lineage \
            and trace tree and explains both orders_feed events. `eventide-explain --db <file> --event <id>` \
            explains any event of a kept store (--keep or --db).

            A reused --db is refused: the story starts at asset event #1 on empty queues, so a database an earlier \
            run used ends the example with an error. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Seed of the tracer's span ids (a non-negative integer).") var seed: Int = 117_054

    func validate() throws {
        guard seed >= 0 else { throw ValidationError("--seed must be a non-negative integer, got \(seed)") }
    }

    func run() async throws {
        try await options.run(prefix: "cross-dag-events") {
            try await CrossDagEvents.run(.init(seed: UInt64(seed)), database: $0)
        }
    }
}
