import ArgumentParser
import EventideCLI

@main
struct WatcherLifecycleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_01_05_watcher_lifecycle",
        abstract: "117.1.5 Watcher lifecycle: startup, registration, health, debugging a broken source, graceful shutdown.",
        discussion: """
            Runs the orchestrator in a swift-service-lifecycle ServiceGroup with two watchers: inbox (healthy) and \
            partner_drop, whose folder is missing, so it fails. Prints a health report, diagnoses the failure from \
            the watcher's last error, fixes the source, restarts the watcher by hand, stops and starts inbox, and \
            ends with a graceful shutdown, recording every state transition.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Files dropped into inbox.") var files = 2

    func validate() throws {
        guard (1...50).contains(files) else { throw ValidationError("--files must be between 1 and 50, got \(files)") }
    }

    func run() async throws {
        let report = try await WatcherLifecycle.run(.init(files: files),
                                                    database: options.openDatabase(prefix: "watcher-lifecycle"))
        print(report.render(json: options.json))
    }
}
