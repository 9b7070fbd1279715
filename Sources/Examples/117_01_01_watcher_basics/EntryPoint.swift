import ArgumentParser
import EventideCLI

@main
struct WatcherBasicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_01_01_watcher_basics",
        abstract: "117.1.1 AssetWatcher basics: the same file arrivals handled by a sensor and by a watcher.",
        discussion: """
            First a traditional sensor: each run of sensor_pipeline starts, pokes the landing folder until a file \
            is there, then processes it — the run is active the whole time it waits. Then an AssetWatcher with a \
            FileArrivalTrigger attached to the asset file://…/landing-watched: no run exists until a file \
            arrives, and each arrival becomes one asset event and one run of process_arrivals.

            A reused --db is refused: the example counts runs and events from an empty store, so a store that \
            an earlier run (finished or killed) filled would mix two runs into its numbers. Pass a new --db \
            file, or omit --db for a temporary store (removed at exit unless --keep).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Files that arrive in each part.") var files = 3
    @Option(help: "Milliseconds between file arrivals.") var spacing = 150
    @Option(help: "Milliseconds between the sensor's pokes.") var pokeInterval = 50

    func validate() throws {
        guard (1...50).contains(files) else { throw ValidationError("--files must be between 1 and 50, got \(files)") }
        guard (1...5_000).contains(spacing) else {
            throw ValidationError("--spacing must be 1…5000 ms, got \(spacing)")
        }
        guard (1...5_000).contains(pokeInterval) else { throw ValidationError("--poke-interval must be 1…5000 ms") }
    }

    func run() async throws {
        try await options.run(prefix: "watcher-basics") {
            try await WatcherBasics.run(
                .init(files: files, spacing: .milliseconds(spacing), pokeInterval: .milliseconds(pokeInterval)),
                database: $0)
        }
    }
}
