import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_01_03_multi_asset_dependencies

@Suite("95.1.3 Multi-Asset Dependencies", .timeLimit(.minutes(5)))
struct MultiAssetDependenciesTests {
    func run(seed: UInt64 = 7) async throws -> MultiAssetDependencies.Outcome {
        try await MultiAssetDependencies.run(.init(seed: seed), database: TemporaryDatabase.make("95_01_03")).outcome
    }

    static let names: [String: String] = {
        let assets = (try? MultiAssetDependencies.Lake().all) ?? []
        return Dictionary(uniqueKeysWithValues: assets.map { ($0.uri, $0.name) })
    }()

    @Test("95.1.3/1 orders & returns & fx_rates is an AND: one run, consuming exactly the three events")
    func andLogic() async throws {
        let outcome = try await run()
        #expect(outcome.andSteps.map(\.reconcileRuns) == [0, 0, 1])
        #expect(outcome.reconcileTriggeredBy.sorted() == outcome.updateOrder.sorted())
        #expect(outcome.reconcileTriggeredBy.count == 3)
        #expect(outcome.andSteps.last?.seenByReconcile.count == 3)
    }

    @Test(
        "95.1.3/2 whatever the update order, no run until every asset updated, and the missing ones are named",
        arguments: [1, 2, 3, 7, 42] as [UInt64])
    func allMustUpdate(seed: UInt64) async throws {
        let outcome = try await run(seed: seed)
        #expect(outcome.andSteps.map(\.reconcileRuns) == [0, 0, 1])
        #expect(outcome.andSteps.map(\.stillMissing.count) == [2, 1, 0])
        for (index, step) in outcome.andSteps.enumerated() {
            // Missing is exactly what has not been updated yet; seen is what has.
            #expect(Set(step.stillMissing) == Set(outcome.updateOrder[(index + 1)...].compactMap { Self.names[$0] }))
            #expect(Set(step.seenByReconcile) == Set(outcome.updateOrder[...index]))
        }
    }

    @Test("95.1.3/2 the seed really changes the update order")
    func seedChangesOrder() async throws {
        var orders: Set<[String]> = []
        for seed in [1, 2, 3, 7, 42] as [UInt64] { orders.insert(try await run(seed: seed).updateOrder) }
        #expect(orders.count > 1)
    }

    @Test(
        "95.1.3/3 partial patterns: (a & b) | m runs when a & b or m holds; batched and per-event runs differ as documented"
    )
    func partialTriggers() async throws {
        let outcome = try await run()
        // The first branch fired early_report at the update that completed orders & returns, fx_rates irrelevant.
        let completing = max(
            try #require(outcome.updateOrder.firstIndex(of: "s3://lake/sales/orders")),
            try #require(outcome.updateOrder.firstIndex(of: "s3://lake/sales/returns")))
        #expect(outcome.andSteps.map(\.earlyReportRuns) == (0..<3).map { $0 >= completing ? 1 : 0 })
        try #require(outcome.partial.count == 2)
        let (ordersAlone, override) = (outcome.partial[0], outcome.partial[1])
        #expect(ordersAlone.consumed.isEmpty && ordersAlone.earlyReportRuns == 1)
        #expect(ordersAlone.stillMissing == ["returns", "manual_override"])
        #expect(override.earlyReportRuns == 2)
        #expect(
            override.consumed == ["orders", "manual_override"],
            "the override run also consumed the incomplete branch's event")

        let batched = try #require(outcome.modes.first { $0.mode == .batched })
        let perEvent = try #require(outcome.modes.first { $0.mode == .perEvent })
        #expect(batched.runs == [["clicks", "clicks", "views"]] && batched.stillQueued.isEmpty)
        #expect(perEvent.runs == [["clicks", "views"]] && perEvent.stillQueued == ["clicks"])
        #expect(batched.runsAfterNextViews == batched.runs && batched.stillQueuedAfterNextViews == ["views"])
        #expect(perEvent.runsAfterNextViews == [["clicks", "views"], ["clicks", "views"]])
        #expect(perEvent.stillQueuedAfterNextViews.isEmpty)
        #expect(batched.eachEventOnce && perEvent.eachEventOnce)
    }

    @Test("95.1.3/4 a schedule built from an asset group waits on every asset of the group, and only on those")
    func assetGrouping() async throws {
        let outcome = try await run()
        let sales = try #require(outcome.groups["sales"])
        #expect(
            sales == [
                "s3://lake/sales/invoices", "s3://lake/sales/orders", "s3://lake/sales/refunds",
                "s3://lake/sales/returns",
            ])
        #expect(outcome.groups["finance"] == ["s3://lake/finance/fx_rates"])
        #expect(outcome.salesGroupCondition == "invoices & orders & refunds & returns")
        #expect(outcome.salesRollupRunsBeforeLastSalesAsset == 0)
        #expect(outcome.salesRollupRuns == 1)
        #expect(Set(outcome.salesRollupConsumed) == Set(sales), "one event of each sales asset at least")
        #expect(outcome.salesRollupConsumed.count == 5, "orders was updated twice before invoices")
        // The group is read from the declared assets: a new member joins the schedule.
        let extra = try Asset(uri: "s3://lake/sales/discounts", name: "discounts", group: "sales")
        let members = MultiAssetDependencies.members(of: "sales", in: try MultiAssetDependencies.Lake().all + [extra])
        #expect(members.count == 5 && members.contains(extra))
    }

    @Test("95.1.3/expected the multi-asset trigger works, in-process and from the command line")
    func expectedBehavior() async throws {
        let outcome = try await run(seed: 42)
        #expect(outcome.andSteps.map(\.reconcileRuns) == [0, 0, 1])
        #expect(outcome.partial.map(\.earlyReportRuns) == [1, 2])
        try await expectRefusesUsedStore { try await MultiAssetDependencies.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_01_03_multi_asset_dependencies", item: "95.1.3",
            badArguments: ["--seed", "minus-one"], expectInError: "--seed")
        let steps = try #require(cli["andSteps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["reconcileRuns"] as? Int } == [0, 0, 1])
    }
}
