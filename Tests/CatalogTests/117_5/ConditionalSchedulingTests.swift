import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_05_03_conditional_scheduling

@Suite("117.5.3 Conditional Asset Scheduling", .timeLimit(.minutes(3)))
struct ConditionalSchedulingTests {
    typealias Run = ConditionalScheduling.RunRecord

    func run() async throws -> ConditionalScheduling.Outcome {
        try await ConditionalScheduling.run(database: TemporaryDatabase.make("117_05_03")).outcome
    }

    func runs(_ outcome: ConditionalScheduling.Outcome, _ dagId: String) -> [Run] {
        outcome.runs.filter { $0.dagId == dagId }
    }

    func wait(_ outcome: ConditionalScheduling.Outcome, _ dagId: String, at: Double) throws
        -> ConditionalScheduling.Waiting
    {
        try #require(outcome.waits.first { $0.dagId == dagId && $0.at == at })
    }

    @Test(
        "117.5.3/1 event AND schedule: trades and prices make no run before the tick; the tick's run consumes them; a tick missing prices waits for them"
    )
    func eventAndSchedule() async throws {
        let outcome = try await run()
        let settle = runs(outcome, "settle_trades")
        #expect(settle.map(\.kind) == [.scheduled, .scheduled])
        #expect(settle.map(\.at) == [60, 130])
        #expect(settle.map(\.consumed) == [["trades#8", "prices#9"], ["trades#11", "prices#12"]])
        let before = try wait(outcome, "settle_trades", at: 20)
        #expect(
            before.queued == ["trades#8", "prices#9"] && before.awaiting.isEmpty,
            "the condition holds, the tick has not come")
        let atTick = try wait(outcome, "settle_trades", at: 120)
        #expect(atTick.queued == ["trades#11"] && atTick.awaiting == ["prices"])
    }

    @Test(
        "117.5.3/2 an AssetAlias resolves at run time to the asset each producer run names; its consumer runs for each")
    func aliasResolvedAtRunTime() async throws {
        let outcome = try await run()
        #expect(
            try wait(outcome, "load_partner_files", at: 0).awaiting == ["alias:partner_files"],
            "resolves to nothing yet")
        #expect(outcome.aliasResolutions.map(\.asset) == ["partner_acme_orders", "partner_globex_orders"])
        #expect(outcome.aliasResolutions.allSatisfy { $0.alias == "partner_files" })
        #expect(outcome.loaded == [["s3://partners/acme/orders.csv"], ["s3://partners/globex/orders.csv"]])
        let loads = runs(outcome, "load_partner_files")
        #expect(loads.map(\.kind) == [.assetTriggered, .assetTriggered])
        #expect(loads.map(\.consumed) == [["partner_acme_orders#6"], ["partner_globex_orders#7"]])
    }

    @Test(
        "117.5.3/3 nested (eu_sales | us_sales) & fx_rates: either region with the rates runs; rates alone await a region"
    )
    func nestedCondition() async throws {
        let outcome = try await run()
        let consolidate = runs(outcome, "consolidate_sales")
        #expect(consolidate.map(\.consumed) == [["eu_sales#1", "fx_rates#2"], ["us_sales#3", "fx_rates#4"]])
        #expect(consolidate.map(\.at) == [2, 4] && consolidate.allSatisfy { $0.kind == .assetTriggered })
        #expect(try wait(outcome, "consolidate_sales", at: 1).awaiting == ["fx_rates"])
        let ratesOnly = try wait(outcome, "consolidate_sales", at: 5)
        #expect(ratesOnly.queued == ["fx_rates#5"] && ratesOnly.awaiting == ["eu_sales | us_sales"])
    }

    @Test(
        "117.5.3/4 schedule with an event override: ticks make scheduled runs consuming nothing, an urgent refund an asset_triggered run at once"
    )
    func scheduleWithEventOverride() async throws {
        let report = runs(try await run(), "refund_report")
        #expect(report.map(\.kind) == [.assetTriggered, .scheduled, .scheduled])
        #expect(report.map(\.at) == [30, 60, 120])
        #expect(report.map(\.consumed) == [["urgent_refunds#10"], [], []])
    }

    @Test("117.5.3 a used --db is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await ConditionalScheduling.run(database: $0) }
    }
}
