import ArgumentParser
import EventideCLI

@main
struct MultipleWatchersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_05_01_multiple_watchers",
        abstract: "117.5.1 Multiple Watchers per Asset: a queue, a file drop and a log topic, ranked and deduplicated.",
        discussion: """
            One orders asset is watched by three watchers: an embedded queue, a folder of dropped JSON files and a log \
            topic. Five orders are sent, several through more than one source at once and one again after it was \
            recorded. With a WatcherPriority (queue > file > log, deduplicated by order_id) each order becomes one \
            asset event from its best-ranked copy within the window and one run; the same deliveries to an asset \
            without a priority make one event and one run per copy. Printed: per order the source recorded, per \
            source the deliveries, recorded and dropped copies.

            A reused --db is refused: the queues, topics and markers of an earlier run would mix in. Pass a new file, \
            or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Milliseconds a copy waits for better-ranked copies (100…10000).") var windowMs = 1000

    func validate() throws {
        guard (100...10_000).contains(windowMs) else {
            throw ValidationError("--window-ms must be 100…10000, got \(windowMs)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "multiple-watchers") {
            try await MultipleWatchers.run(.init(window: .milliseconds(windowMs)), database: $0)
        }
    }
}
