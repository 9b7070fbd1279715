import ArgumentParser
import EventideCLI

@main
struct EventFilteringRoutingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_05_04_event_filtering_routing",
        abstract:
            "95.5.4 Event Filtering and Routing: type filters, content-based routes, a routing table changed at run time.",
        discussion: """
            Ten events on the embedded log go through a filter chain (handled types → to_eur → amount_eur > 0) and a \
            routing table (first match: large payments, payments, eu and us orders) that picks the DAG to run. \
            After eight events the table is replaced while the router runs (v2 adds apac orders). Rejected and \
            unmatched events run the unrouted DAG with the reason. The same events then go through the chain in \
            three orders, counting rate lookups. --usd-rate changes the USD rate (e.g. 0.5 makes the big payment \
            an ordinary one).

            A reused --db is refused, not resumed: the decisions and counts are this run's.
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Euros per US dollar used by to_eur.") var usdRate = 0.92

    func validate() throws {
        guard usdRate > 0, usdRate < 100 else {
            throw ValidationError("--usd-rate must be > 0 and < 100, got \(usdRate)")
        }
    }

    func run() async throws {
        try await options.run(prefix: "filtering-routing") { database in
            var configuration = EventFilteringRouting.Configuration()
            configuration.rates["USD"] = usdRate
            return try await EventFilteringRouting.run(configuration, database: database)
        }
    }
}
