import ArgumentParser
import EventideCLI

@main
struct AssetWithWatcherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_01_03_asset_with_watcher",
        abstract: "117.1.3 Asset definition with watcher: one URL for the asset and its trigger; registration on parse.",
        discussion: """
            Defines orders and audit assets, each with a FileArrivalTrigger watcher built from the same folder URL \
            as the asset's URI, and checks that they agree. Registers only a DAG scheduled on orders: only the \
            orders watcher starts. Registering a DAG on audit while running starts its watcher then. Records every \
            status transition of the watchers from registration to shutdown.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Files dropped into the orders folder.") var files = 2

    func validate() throws {
        guard (1...50).contains(files) else { throw ValidationError("--files must be between 1 and 50, got \(files)") }
    }

    func run() async throws {
        let report = try await AssetWithWatcher.run(.init(files: files),
                                                    database: options.openDatabase(prefix: "asset-with-watcher"))
        print(report.render(json: options.json))
    }
}
