import ArgumentParser
import EventideCLI

@main
struct EventBatchingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_05_03_event_batching",
        abstract: "95.5.3 Event Batching: batches by size, bytes, window and flush; the last batch at shutdown.",
        discussion: """
            Clicks go through one batcher (at most 10 clicks, 1024 bytes, 1 s): 25 small clicks make two full \
            batches and a window batch, 6 large ones close batches by bytes, an explicit flush closes the rest, and \
            when the source ends the last 3 clicks are still delivered. Each batch is stored in one transaction of \
            the embedded log and acknowledged as a whole. Then --events clicks go through batches of each of \
            --sizes, and the throughput and latency of each are printed as a table. A --db whose clicks topic an \
            earlier run filled is refused: the example narrates from an empty store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Clicks per measured batch size (at least 1).") var events = 400
    @Option(help: "The batch sizes measured, comma-separated (each at least 1).") var sizes = "1,10,100"

    func validate() throws {
        guard events >= 1 else { throw ValidationError("--events must be at least 1.") }
        guard parsedSizes != nil else { throw ValidationError("--sizes must be positive integers, e.g. 1,10,100.") }
    }

    var parsedSizes: [Int]? {
        let values = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return values.compactMap { $0 }
    }

    func run() async throws {
        try await options.run(prefix: "event-batching") {
            try await EventBatching.run(.init(events: events, sizes: parsedSizes ?? [1, 10, 100]), database: $0)
        }
    }
}
