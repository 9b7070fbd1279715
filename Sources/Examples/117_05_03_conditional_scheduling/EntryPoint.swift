import ArgumentParser
import EventideCLI

@main
struct ConditionalSchedulingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_05_03_conditional_scheduling",
        abstract:
            "117.5.3 Conditional Asset Scheduling: event AND schedule, an alias resolved at run time, nested conditions, a schedule with an event override.",
        discussion: """
            On a manual clock (the times are the runtime's, the same on every run): consolidate_sales waits on \
            (eu_sales | us_sales) & fx_rates; land_partner_file emits through the alias partner_files to an asset \
            named at run time, which load_partner_files consumes; settle_trades (AssetAndTimeSchedule: trades & \
            prices AND a 60 s tick) and refund_report (AssetOrTimeSchedule: every 60 s OR an urgent refund). Each \
            run is printed with its kind (scheduled or asset_triggered) and the events it consumed, and each DAG \
            that does not fire with what its condition still awaits.

            A reused --db is refused: the story starts at asset event #1, so a database an earlier run used ends \
            the example with an error. Pass a new file, or omit --db for a temporary one.
            """)

    @OptionGroup var options: ExampleOptions

    func run() async throws {
        try await options.run(prefix: "conditional-scheduling") {
            try await ConditionalScheduling.run(database: $0)
        }
    }
}
