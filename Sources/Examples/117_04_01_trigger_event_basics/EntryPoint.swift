import ArgumentParser
import EventideCLI

@main
struct TriggerEventBasicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_04_01_trigger_event_basics",
        abstract:
            "117.4.1 TriggerEvent structure: a trigger event beside the asset event it became and the task's view.",
        discussion: """
            Publishes orders to the event log's orders topic, one at a time, then one whose data is not an order. \
            The watcher's trigger (eventide://log/orders?group=orders_watcher) emits a TriggerEvent for each: \
            payload, message id (the log position), when it occurred. Each is shown beside the asset event the \
            store recorded from it (extra with from_trigger and the payload, the watcher and message id as its \
            source, its own timestamp) and beside what the consuming task read from its triggering event.

            A reused --db is refused: the pairs are read from an empty store and topic, so a store that an earlier \
            run filled would mix two runs. Pass a new --db file, or omit --db for a temporary store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Well-formed orders published before the malformed one (1-20).") var orders = 2

    func validate() throws {
        guard (1...20).contains(orders) else {
            throw ValidationError("--orders must be between 1 and 20, got \(orders)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "trigger-event-basics") {
            try await TriggerEventBasics.run(.init(orders: orders), database: $0)
        }
    }
}
