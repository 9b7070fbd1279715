import ArgumentParser
import EventideCLI

@main
struct EventRoutingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_04_04_event_routing",
        abstract:
            "117.4.4 Event Filtering and Routing: a watcher-side filter, content-based branches, skipped branches.",
        discussion: """
            Nine shop events (CloudEvents on embedded queues: orders, payments, a cancellation, a shipment no route \
            handles, heartbeats and test traffic) go one at a time to route_shop_events, whose watcher filters \
            irrelevant events before they become asset events, then to route_raw_shop_events, whose watcher does not. \
            Each run's choose_branches task routes its event with a DynamicRoutingTable (every matching route: a large \
            payment is booked and reviewed) and the branches it did not choose are skipped.

            A reused --db is refused: the story starts at asset event #1 on empty queues, so a database an earlier \
            run used ends the example with an error. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions

    func run() async throws {
        try await options.run(prefix: "event-routing") { try await EventRouting.run(database: $0) }
    }
}
