import ArgumentParser
import EventideCLI

@main
struct EventDataExtractionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_04_02_event_data_extraction",
        abstract: "117.4.2 Event data extraction: extra parsed whole, task arguments templated, bad data refused.",
        discussion: """
            Sends four orders to the embedded orders queue, one at a time: complete, without a customer tier, \
            without an order id, and a body that is not JSON. The watcher records each as an asset event; the \
            load_order DAG's parse task decodes extra into Codable types, and its load task receives arguments \
            templated from the run's context ({{ triggering_asset_events[asset][0].extra.payload.body.order_id }}, \
            a tier with | default:"standard"). Missing and malformed data fail both tasks with the path.

            A reused --db is refused: messages are matched to runs from an empty store and queue. Pass a new --db \
            file, or omit --db for a temporary store (removed at exit unless --keep).
            """)

    @OptionGroup var options: ExampleOptions

    func run() async throws {
        try await options.run(prefix: "event-data-extraction") {
            try await EventDataExtraction.run(.init(), database: $0)
        }
    }
}
