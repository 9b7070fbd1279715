import ArgumentParser
import EventideCLI

@main
struct MultiEventRunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_04_03_multi_event_runs",
        abstract:
            "117.4.3 Multi-Event DAG Runs: a burst in one run, aggregation windows, parallel branches per event.",
        discussion: """
            Four orders and a payment complete orders & payments: one run consumes all five events, collect reads \
            them all (triggeringAssetEvents) and deals the orders to four settle branches joined by join; run once \
            with the executor's serial default and once with maxActiveTasksPerRun 4 (peak concurrent branches and \
            run time compared). Then six clicks are aggregated by tally_clicks (one run at a time: clicks wait at \
            the active-run limit) and by window_clicks (a run per 30 s window, AssetAndTimeSchedule). Everything \
            runs on a manual clock: the times are the runtime's, the same on every run.

            A reused --db is refused: the story starts at asset event #1, so a database an earlier run used ends \
            the example with an error. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions

    func run() async throws {
        try await options.run(prefix: "multi-event-runs") { try await MultiEventRuns.run(database: $0) }
    }
}
