import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_05_02_asset_watcher_deps

@Suite("117.5.2 Asset Dependencies with Watchers", .timeLimit(.minutes(5)))
struct AssetWatcherDepsTests {
    func run() async throws -> AssetWatcherDeps.Outcome {
        try await AssetWatcherDeps.run(
            .init(reportEvery: .milliseconds(600)), database: TemporaryDatabase.make("117_05_02")
        )
        .outcome
    }

    /// The step's asset-triggered runs (a timetable tick may land in any step), by DAG id.
    func chain(_ step: AssetWatcherDeps.Step) -> [String] {
        step.runs.filter { $0.runType == .assetTriggered }.map(\.dagId)
    }

    @Test("117.5.2/1 a DAG waits on a watcher-fed asset and a task-produced one together")
    func combinesWatcherAndProducedAssets() async throws {
        let outcome = try await run()
        try #require(outcome.steps.count == 4)
        let price = try #require(outcome.steps[1].runs.first { $0.dagId == "price_orders" })
        #expect(Set(price.consumed.map(\.asset)) == ["clean_orders", "fx_rates"])
        let fx = try #require(price.consumed.first { $0.asset == "fx_rates" })
        let clean = try #require(price.consumed.first { $0.asset == "clean_orders" })
        #expect(fx.source == "watcher:fx_in_watcher" && fx.fromTrigger)
        #expect(clean.source == "task:clean_orders.clean" && !clean.fromTrigger)
    }

    @Test(
        "117.5.2/2 DAGs chain through the assets they produce; the chain stops at an AND until its other input arrives")
    func chainsThroughAssets() async throws {
        let outcome = try await run()
        try #require(outcome.steps.count == 4)
        #expect(chain(outcome.steps[0]).isEmpty && outcome.steps[0].priceOrdersAwaiting == ["clean_orders"])
        #expect(chain(outcome.steps[1]) == ["clean_orders", "price_orders", "sales_report"])
        #expect(chain(outcome.steps[2]) == ["clean_orders"] && outcome.steps[2].priceOrdersAwaiting == ["fx_rates"])
        #expect(chain(outcome.steps[3]) == ["price_orders", "sales_report"])
        // The last report's lineage reaches both watchers through the two producing DAGs.
        #expect(outcome.lineage.count == 4)
        #expect(outcome.lineage.contains { $0.hasSuffix("from watcher:orders_in_watcher") })
        #expect(outcome.lineage.contains { $0.hasSuffix("from watcher:fx_in_watcher") })
    }

    @Test("117.5.2/3 sales_report runs on its timetable (consuming nothing) and on priced_orders events")
    func mixedTriggers() async throws {
        let outcome = try await run()
        let reports = outcome.steps.flatMap(\.runs).filter {
            $0.dagId == "sales_report" && $0.runType == .assetTriggered
        }
        #expect(reports.count == 2)
        #expect(reports.allSatisfy { $0.consumed.map(\.asset) == ["priced_orders"] })
        #expect(outcome.scheduledReport.runType == .scheduled && outcome.scheduledReport.consumed.isEmpty)
    }

    @Test("117.5.2/4 the dependency graph is derived from the DAGs, ordered, and refuses cycles and unfed assets")
    func dependencyGraph() async throws {
        let outcome = try await run()
        #expect(outcome.graph.order == ["clean_orders", "price_orders", "sales_report"])
        #expect(outcome.graph.unfed.isEmpty)
        let edges = Set(outcome.graph.edges.map { "\($0.from) → \($0.to)" })
        #expect(
            edges == [
                "watcher:orders_in_watcher → asset:raw_orders", "watcher:fx_in_watcher → asset:fx_rates",
                "asset:raw_orders → dag:clean_orders", "dag:clean_orders → asset:clean_orders",
                "asset:clean_orders → dag:price_orders", "asset:fx_rates → dag:price_orders",
                "dag:price_orders → asset:priced_orders", "asset:priced_orders → dag:sales_report",
            ])
        // A DAG waiting on what nothing feeds, and two DAGs waiting on each other, are caught.
        let a = try Asset(name: "a"), b = try Asset(name: "b")
        let orphan = try DAG("orphan", schedule: .on([a]), tasks: [TaskDefinition("t") { _ in .none }])
        #expect(AssetWatcherDeps.Graph(dags: [orphan], assets: [a]).unfed == ["a"])
        let ping = try DAG("ping", schedule: .on([a]), tasks: [TaskDefinition("t", outlets: [b]) { _ in .none }])
        let pong = try DAG("pong", schedule: .on([b]), tasks: [TaskDefinition("t", outlets: [a]) { _ in .none }])
        #expect(AssetWatcherDeps.Graph(dags: [ping, pong], assets: [a, b]).order == nil)
    }

    @Test("117.5.2 a used --db is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore {
            try await AssetWatcherDeps.run(.init(reportEvery: .milliseconds(600)), database: $0)
        }
    }
}
