import ArgumentParser
import EventideCLI

@main
struct WatcherConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_01_02_watcher_config",
        abstract: "117.1.2 Watcher configuration: restart policy, timeouts, filters, metadata extraction, connections.",
        discussion: """
            Watchers whose landing folders come from Airflow-style connections (AIRFLOW_CONN_<ID>; the example \
            defines missing ones itself). One folder appears only after the watcher has failed and restarted; \
            one never appears and exhausts the restart policy. A deferred sensor with a timeout and a plain check \
            with the same retry policy both wait for a manifest that never comes: the example counts the tries \
            of each. A filtered watcher drops non-CSV and empty files and extracts file_name and size_bytes into \
            the asset event.

            A reused --db is refused: the example counts asset events from an empty store, so a store that an \
            earlier run (finished or killed) filled would mix two runs into its numbers. Pass a new --db file, \
            or omit --db for a temporary store (removed at exit unless --keep).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Restarts the late watcher may make before it is failed.") var retries = 6
    @Option(help: "Milliseconds before the first restart (doubles each time); also the tasks' retry delay.")
    var retryDelay = 40
    @Option(help: "Milliseconds the deferred sensor waits before timing out.") var sensorTimeout = 500

    func validate() throws {
        guard (2...20).contains(retries) else {
            throw ValidationError("--retries must be between 2 and 20, got \(retries)")
        }
        guard (1...2_000).contains(retryDelay) else { throw ValidationError("--retry-delay must be 1…2000 ms") }
        guard (1...10_000).contains(sensorTimeout) else { throw ValidationError("--sensor-timeout must be 1…10000 ms") }
    }

    func run() async throws {
        try await options.run(prefix: "watcher-config") {
            try await WatcherConfig.run(
                .init(
                    retries: retries, retryDelay: .milliseconds(retryDelay), sensorTimeout: .milliseconds(sensorTimeout)
                ),
                database: $0)
        }
    }
}
