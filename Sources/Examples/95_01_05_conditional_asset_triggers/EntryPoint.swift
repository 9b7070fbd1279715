import ArgumentParser
import EventideCLI

@main
struct ConditionalAssetTriggersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_01_05_conditional_asset_triggers",
        abstract: "95.1.5 Conditional Asset Triggers: conditions, event filters, validation and skips.",
        discussion: """
            build_report is scheduled on (orders & fx_rates) | manual_override. Its gate task filters the \
            triggering events (only --region orders count), validates them (row_count > 0) and skips the run \
            with the reason when nothing valid is left; skipped runs publish nothing, so the downstream notify \
            DAG only runs after real reports.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "The region whose orders the report covers.") var region = "eu"

    func validate() throws {
        guard !region.isEmpty, region.allSatisfy({ $0.isLetter }) else {
            throw ValidationError("--region must be a region code such as eu or us, got \(region.debugDescription)")
        }
    }

    func run() async throws {
        let report = try await ConditionalAssetTriggers.run(.init(region: region),
                                                            database: options.openDatabase(prefix: "conditional"))
        print(report.render(json: options.json))
    }
}
