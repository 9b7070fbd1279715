import ArgumentParser
import EventideCLI

@main
struct AssetWatcherDepsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_05_02_asset_watcher_deps",
        abstract:
            "117.5.2 Asset Dependencies with Watchers: watcher-fed and task-produced assets chained, a mixed schedule.",
        discussion: """
            raw_orders and fx_rates are fed by watchers on embedded queues; clean_orders (on raw_orders) produces \
            clean_orders, price_orders (on clean_orders & fx_rates) produces priced_orders, and sales_report runs on \
            its timetable (--report-every-ms) or whenever priced_orders is updated (AssetOrTimeSchedule). The graph \
            is derived from the DAGs and checked (no cycle, no asset nothing feeds) and printed; an FX rate and two \
            orders are sent one at a time, then the example waits for the report's first tick.

            A reused --db is refused: the story starts at asset event #1 on empty queues, so a database an earlier \
            run used ends the example with an error. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Period of sales_report's timetable, in milliseconds (200…60000).") var reportEveryMs = 1_500

    func validate() throws {
        guard (200...60_000).contains(reportEveryMs) else {
            throw ValidationError("--report-every-ms must be 200…60000, got \(reportEveryMs)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "asset-watcher-deps") {
            try await AssetWatcherDeps.run(.init(reportEvery: .milliseconds(reportEveryMs)), database: $0)
        }
    }
}
