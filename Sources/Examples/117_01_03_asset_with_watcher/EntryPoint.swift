import ArgumentParser
import EventideCLI

@main
struct AssetWithWatcherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_01_03_asset_with_watcher",
        abstract:
            "117.1.3 Asset definition with watcher: one URL for the asset and its trigger; registration on parse.",
        discussion: """
            Defines orders and audit assets, each with a FileArrivalTrigger watcher built from the same folder URL \
            as the asset's URI, and checks that they agree. Registers only a DAG scheduled on orders: only the \
            orders watcher starts. Registering a DAG on audit while running starts its watcher then. Records every \
            status transition of the watchers, as the triggerer publishes it, from registration to shutdown.

            A reused --db is refused: the example counts asset events from an empty store, so a store that an \
            earlier run (finished or killed) filled would mix two runs into its numbers. Pass a new --db file, \
            or omit --db for a temporary store (removed at exit unless --keep).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Files dropped into the orders folder.") var files = 2

    func validate() throws {
        guard (1...50).contains(files) else { throw ValidationError("--files must be between 1 and 50, got \(files)") }
    }

    func run() async throws {
        try await options.run(prefix: "asset-with-watcher") {
            try await AssetWithWatcher.run(.init(files: files), database: $0)
        }
    }
}
