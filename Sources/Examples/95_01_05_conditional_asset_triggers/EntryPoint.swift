import ArgumentParser
import EventideCLI

@main
struct ConditionalAssetTriggersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_01_05_conditional_asset_triggers",
        abstract: "95.1.5 Conditional Asset Triggers: conditions, event filters, validation and skips.",
        discussion: """
            build_report is scheduled on (orders & fx_rates) | manual_override. Its gate task validates the \
            triggering orders events (region: string, row_count: positive integer), keeps only --region orders, \
            and skips the run with every event's verdict when nothing is left; a manual override with a reason \
            always proceeds. Skipped runs publish no daily_report event, so the downstream notify DAG only runs \
            after real reports. A --db that an earlier run filled is refused (the story counts from event #1 and \
            run 1): pass a new file, or omit --db for a temporary store.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "The region whose orders the report covers.") var region = "eu"

    func validate() throws {
        guard !region.isEmpty, region.allSatisfy({ $0.isLetter }) else {
            throw ValidationError("--region must be a region code such as eu or us, got \(region.debugDescription)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "conditional") {
            try await ConditionalAssetTriggers.run(.init(region: region), database: $0)
        }
    }
}
