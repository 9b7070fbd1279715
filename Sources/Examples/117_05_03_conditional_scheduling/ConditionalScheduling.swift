import Eventide
import Foundation

/// 117.5.3 — conditions beyond "any update": a run only when the time has come AND the events are there
/// (`AssetAndTimeSchedule`), a DAG scheduled on an alias that resolves to assets only as tasks emit through it,
/// a nested condition `(eu_sales | us_sales) & fx_rates`, and a timetable that an urgent event overrides
/// (`AssetOrTimeSchedule`).
enum ConditionalScheduling {
    // [START assets]
    struct Assets {
        let trades: Asset, prices: Asset, euSales: Asset, usSales: Asset, fxRates: Asset, urgentRefunds: Asset
        /// Partner files land under names decided at run time; consumers schedule on the alias.
        let partnerFiles: AssetAlias
        var all: [Asset] { [trades, prices, euSales, usSales, fxRates, urgentRefunds] }

        init() throws {
            trades = try Asset(uri: "s3://desk/trades", name: "trades")
            prices = try Asset(uri: "s3://desk/prices", name: "prices")
            euSales = try Asset(uri: "s3://sales/eu", name: "eu_sales")
            usSales = try Asset(uri: "s3://sales/us", name: "us_sales")
            fxRates = try Asset(uri: "s3://fx/rates", name: "fx_rates")
            urgentRefunds = try Asset(uri: "s3://refunds/urgent", name: "urgent_refunds")
            partnerFiles = try AssetAlias(name: "partner_files")
        }
    }

    /// Every task below returns the ids of the events its run consumed.
    static func consumedIds(_ context: TaskContext) -> TaskOutput {
        TaskOutput(value: .array(context.triggeringAssetEvents.map { .number(Double($0.id)) }))
    }
    // [END assets]

    // [START and]
    /// Event AND schedule: trades and prices must both be there AND the hour must have come. Each tick opens a
    /// gate; the run (a `scheduled` run consuming the queued events) comes at the tick if the condition already
    /// holds, else with the event that completes it. Events alone never make a run.
    static func settleTrades(_ assets: Assets, every period: Duration) throws -> DAG {
        try DAG(
            "settle_trades",
            schedule: .assetAndTime(
                try AssetAndTimeSchedule(timetable: .interval(period), assets: assets.trades & assets.prices)),
            tasks: [TaskDefinition("settle") { consumedIds($0) }])
    }
    // [END and]

    // [START alias]
    /// The producer decides at run time which asset it updates (one per partner, from the run's conf) and emits
    /// through the alias; the alias then resolves to that asset.
    static func landPartnerFile(_ assets: Assets) throws -> DAG {
        try DAG(
            "land_partner_file",
            tasks: [
                TaskDefinition("land", aliasOutlets: [assets.partnerFiles]) { context in
                    let partner = context.conf["partner"]?.stringValue ?? "unknown"
                    let file = try Asset(uri: "s3://partners/\(partner)/orders.csv", name: "partner_\(partner)_orders")
                    return TaskOutput(aliasEvents: [.init(alias: assets.partnerFiles, asset: file)])
                }
            ])
    }

    /// Scheduled on the alias: waits while it resolves to nothing, runs for every asset emitted through it.
    static func loadPartnerFiles(_ assets: Assets) throws -> DAG {
        try DAG(
            "load_partner_files", schedule: .on(assets.partnerFiles),
            tasks: [
                TaskDefinition("load") { context in
                    let files = context.triggeringEvents(of: assets.partnerFiles).map { JSONValue.string($0.asset.uri) }
                    return TaskOutput(value: .array(files))
                }
            ])
    }
    // [END alias]

    // [START nested]
    /// A nested condition: sales from either region, AND the day's FX rates.
    static func consolidate(_ assets: Assets) throws -> DAG {
        try DAG(
            "consolidate_sales", schedule: .on((assets.euSales | assets.usSales) & assets.fxRates),
            tasks: [TaskDefinition("consolidate") { consumedIds($0) }])
    }
    // [END nested]

    // [START override]
    /// A schedule with an event override: the report runs every period (`scheduled`, consuming nothing) and at
    /// once when an urgent refund arrives (`asset_triggered`, consuming it).
    static func refundReport(_ assets: Assets, every period: Duration) throws -> DAG {
        try DAG(
            "refund_report",
            schedule: .assetOrTime(
                try AssetOrTimeSchedule(timetable: .interval(period), assets: assets.urgentRefunds)),
            tasks: [TaskDefinition("report") { consumedIds($0) }])
    }
    // [END override]
}
