import ArgumentParser
import EventideCLI

@main
struct WatcherLifecycleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_01_05_watcher_lifecycle",
        abstract:
            "117.1.5 Watcher lifecycle: startup, registration, health, debugging a broken source, graceful shutdown.",
        discussion: """
            Runs the orchestrator in a swift-service-lifecycle ServiceGroup with two watchers: inbox (healthy) and \
            partner_drop, whose folder is missing, so it fails. Prints a health report, diagnoses the failure from \
            the watcher's state and a look at its folder, fixes the source, restarts the watcher by hand (its \
            lastError is cleared once it runs), stops and starts inbox, and ends with a graceful shutdown.

            A reused --db is refused: the health counters and run counts describe one life from an empty store, \
            so a database an earlier run filled (or a crashed run left) ends the example with an error before it \
            touches anything. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Files dropped into inbox.") var files = 2

    func validate() throws {
        guard (1...50).contains(files) else { throw ValidationError("--files must be between 1 and 50, got \(files)") }
    }

    func run() async throws {
        try await options.run(prefix: "watcher-lifecycle") {
            try await WatcherLifecycle.run(.init(files: files), database: $0)
        }
    }
}
