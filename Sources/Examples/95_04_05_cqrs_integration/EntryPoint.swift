import ArgumentParser
import EventideCLI

@main
struct CQRSIntegrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "95_04_05_cqrs_integration",
        abstract: "95.4.5 CQRS Integration: command DAGs write events, projections keep views, query DAGs read them.",
        discussion: """
            The command DAG place_order validates an order (its conf) and writes its events in one append; two \
            projections keep the views order_summaries and customer_totals; the query DAG customer_report reads only \
            the views, in one snapshot. --orders seeded orders (plus one validate refuses), then a burst of --burst \
            orders at once while queries probe the views: the lag is measured and no order is ever seen half-applied. \
            Each view is rebuilt from zero and compared with the incremental one. A --db that already holds events is \
            refused (the views start empty).
            """)

    @OptionGroup var options: ExampleOptions
    @Option(help: "Seed for the orders.") var seed: UInt64 = 7
    @Option(help: "Orders placed one by one (at least 1).") var orders = 6
    @Option(help: "Orders placed at once in the burst (at least 1).") var burst = 40

    func validate() throws {
        guard orders >= 1 else { throw ValidationError("--orders must be at least 1, got \(orders)") }
        guard burst >= 1 else { throw ValidationError("--burst must be at least 1, got \(burst)") }
    }

    func run() async throws {
        try await options.run(prefix: "cqrs") {
            try await CQRSIntegration.run(.init(seed: seed, orders: orders, burst: burst), database: $0)
        }
    }
}
