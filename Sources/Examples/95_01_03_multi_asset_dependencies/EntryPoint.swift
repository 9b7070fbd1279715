import ArgumentParser
import EventideCLI

@main
struct MultiAssetDependenciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_01_03_multi_asset_dependencies",
        abstract: "95.1.3 Multi-Asset Dependencies: AND conditions, partial triggers, batching modes, asset groups.",
        discussion: """
            Three producers update orders, returns and fx_rates in a seeded random order (--seed); reconcile waits \
            on all three and the example records after each update what it still waits on. early_report runs on \
            (orders & returns) | manual_override: orders alone is not enough, the override is. Two DAGs on \
            clicks & views show batched vs per-event runs for clicks, clicks, views (then one more views). \
            sales_rollup is scheduled on every declared asset of the group "sales".
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Seed for the order in which the three producers run.") var seed: UInt64 = 7

    func run() async throws {
        try await options.run(prefix: "multi-asset") {
            try await MultiAssetDependencies.run(.init(seed: seed), database: $0)
        }
    }
}
