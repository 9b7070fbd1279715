import ArgumentParser
import EventideCLI

@main
struct EventVsPollingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_01_04_event_vs_polling",
        abstract:
            "117.1.4 Event-driven vs polling: latency and wake-ups of a poking sensor and a watcher, measured in one run.",
        discussion: """
            Writes --files files at seeded random intervals (mean --mean-interval ms) into one folder. A polling \
            sensor (poke every --poke-interval ms) and an AssetWatcher (inotify) watch the same folder at the same \
            time; for every file the example measures write → detection latency for both, and counts wake-ups. \
            It then recommends one approach for a few use cases from the measured figures.

            A reused --db is refused: the figures compare the two observers on this run's stream only, so a \
            database an earlier (or crashed) run used ends the example with an error before it touches the stream \
            folder. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Files in the event stream.") var files = 12
    @Option(help: "Mean milliseconds between files (exponentially distributed).") var meanInterval = 60
    @Option(help: "Milliseconds between the polling sensor's pokes.") var pokeInterval = 50
    @Option(help: "Seed for the arrival times.") var seed: UInt64 = 11

    func validate() throws {
        guard (2...500).contains(files) else {
            throw ValidationError("--files must be between 2 and 500, got \(files)")
        }
        guard (1...5_000).contains(meanInterval) else { throw ValidationError("--mean-interval must be 1…5000 ms") }
        guard (1...5_000).contains(pokeInterval) else { throw ValidationError("--poke-interval must be 1…5000 ms") }
    }

    func run() async throws {
        try await options.run(prefix: "event-vs-polling") {
            try await EventVsPolling.run(
                .init(
                    files: files, meanInterval: .milliseconds(meanInterval),
                    pokeInterval: .milliseconds(pokeInterval), seed: seed), database: $0)
        }
    }
}
