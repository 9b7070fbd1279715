import Eventide

/// 95.1.3 — a DAG that needs several assets: `a & b & c` runs once all three are updated, whatever the order;
/// `(a & b) | m` runs on a partial set; `.batched` and `.perEvent` decide how queued events become runs; the
/// assets of a group can be the schedule.
enum MultiAssetDependencies {
    // [START assets]
    /// The lake's assets. Each belongs to a group, and a group can be a schedule.
    struct Lake: Sendable {
        let orders, returns, refunds, invoices, fxRates, manualOverride, clicks, views: Asset

        init() throws {
            orders = try Asset(uri: "s3://lake/sales/orders", name: "orders", group: "sales")
            returns = try Asset(uri: "s3://lake/sales/returns", name: "returns", group: "sales")
            refunds = try Asset(uri: "s3://lake/sales/refunds", name: "refunds", group: "sales")
            invoices = try Asset(uri: "s3://lake/sales/invoices", name: "invoices", group: "sales")
            fxRates = try Asset(uri: "s3://lake/finance/fx_rates", name: "fx_rates", group: "finance")
            manualOverride = try Asset(uri: "s3://lake/ops/manual_override", name: "manual_override", group: "ops")
            clicks = try Asset(uri: "s3://lake/web/clicks", name: "clicks", group: "web")
            views = try Asset(uri: "s3://lake/web/views", name: "views", group: "web")
        }

        var all: [Asset] { [orders, returns, refunds, invoices, fxRates, manualOverride, clicks, views] }
    }

    /// Every declared asset of `group`, in URI order: a schedule built from the group, not a hand-kept list.
    static func members(of group: String, in declared: some Collection<Asset>) -> [Asset] {
        declared.filter { $0.group == group }.sorted { $0.uri < $1.uri }
    }
    // [END assets]

    // [START dags]
    struct Pipeline: Sendable {
        /// One producer per input of `reconcile`, each publishing its asset as an outlet.
        let producers: [DAG]
        /// AND: one run once orders, returns and fx_rates are all updated, in whatever order.
        let reconcile: DAG
        /// Partial: orders & returns is enough, and so is a manual override on its own.
        let earlyReport: DAG
        /// The same condition, two ways of turning queued events into runs.
        let webBatched: DAG, webPerEvent: DAG
        /// Scheduled on every asset of the group `sales`.
        let salesRollup: DAG

        init(_ lake: Lake) throws {
            producers = try [lake.orders, lake.returns, lake.fxRates].map { asset in
                try DAG(
                    "produce_\(asset.name)",
                    tasks: [
                        TaskDefinition("publish", outlets: [asset]) { _ in
                            TaskOutput(outletExtra: [asset.key: ["ok": true]])
                        }
                    ])
            }
            reconcile = try Self.consumer("reconcile", .on(lake.orders & lake.returns & lake.fxRates))
            earlyReport = try Self.consumer("early_report", .on((lake.orders & lake.returns) | lake.manualOverride))
            webBatched = try Self.consumer("web_batched", .on(lake.clicks & lake.views), mode: .batched)
            webPerEvent = try Self.consumer("web_per_event", .on(lake.clicks & lake.views), mode: .perEvent)
            salesRollup = try Self.consumer("sales_rollup", .on(members(of: "sales", in: lake.all)))
        }

        var consumers: [DAG] { [reconcile, earlyReport, webBatched, webPerEvent, salesRollup] }

        static func consumer(_ dagId: String, _ schedule: Schedule, mode: AssetTriggerMode = .batched) throws -> DAG {
            try DAG(dagId, schedule: schedule, assetTriggering: mode, tasks: [TaskDefinition("consume") { _ in .none }])
        }
    }
    // [END dags]
}
