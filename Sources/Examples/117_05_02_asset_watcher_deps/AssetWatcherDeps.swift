import Eventide

/// 117.5.2 — assets fed by watchers and assets produced by tasks in one dependency graph: raw orders and FX rates
/// arrive through watchers, `clean_orders` and `price_orders` chain through the assets they produce, and
/// `sales_report` runs both on its timetable and whenever priced orders are updated. The graph is derived from
/// the DAGs and assets themselves, and checked before anything runs.
enum AssetWatcherDeps {
    // [START assets]
    /// Two assets fed by watchers (external events), two produced by tasks.
    struct Assets: Sendable {
        let rawOrders, fxRates, cleanOrders, pricedOrders: Asset

        init(queues: some QueueService) throws {
            rawOrders = try Asset(uri: "eventide://queue/orders-in", name: "raw_orders").watched(by: [
                AssetWatcher(
                    name: "orders_in_watcher",
                    trigger: queues.trigger(for: "orders-in", visibilityTimeout: nil, wait: .milliseconds(50)))
            ])
            fxRates = try Asset(uri: "eventide://queue/fx-in", name: "fx_rates").watched(by: [
                AssetWatcher(
                    name: "fx_in_watcher",
                    trigger: queues.trigger(for: "fx-in", visibilityTimeout: nil, wait: .milliseconds(50)))
            ])
            cleanOrders = try Asset(uri: "s3://lake/clean/orders", name: "clean_orders")
            pricedOrders = try Asset(uri: "s3://lake/priced/orders", name: "priced_orders")
        }

        var all: [Asset] { [rawOrders, fxRates, cleanOrders, pricedOrders] }
    }
    // [END assets]

    // [START dags]
    /// The chain: each DAG is scheduled on assets and produces one; `sales_report` has a mixed schedule.
    static func dags(_ assets: Assets, reportEvery period: Duration) throws -> [DAG] {
        let clean = try DAG(
            "clean_orders", schedule: .on([assets.rawOrders]),
            tasks: [TaskDefinition("clean", outlets: [assets.cleanOrders]) { _ in .none }])
        let price = try DAG(
            "price_orders", schedule: .on(assets.cleanOrders & assets.fxRates),
            tasks: [TaskDefinition("price", outlets: [assets.pricedOrders]) { _ in .none }])
        let report = try DAG(
            "sales_report",
            schedule: .assetOrTime(
                try AssetOrTimeSchedule(timetable: .interval(period), assets: [assets.pricedOrders])),
            tasks: [
                TaskDefinition("report") { context in
                    TaskOutput(value: .number(Double(context.triggeringAssetEvents.count)))
                }
            ])
        return [clean, price, report]
    }
    // [END dags]

    // [START graph]
    /// The dependency graph: watcher ⇒ asset, asset → DAG (its schedule), DAG → asset (its outlets).
    struct Graph: Sendable, Codable, Equatable {
        struct Edge: Sendable, Codable, Hashable { let from: String, to: String }
        var edges: [Edge] = []
        /// Scheduled-on assets that nothing produces and no watcher feeds: their DAGs could never run.
        var unfed: [String] = []
        /// DAGs in an order where each comes after the DAGs producing what it waits on; nil if there is a cycle.
        var order: [String]?

        init(dags: [DAG], assets: [Asset]) {
            var producers: [String: Set<String>] = [:]  // asset name → DAG ids writing it
            for asset in assets {
                for watcher in asset.watchers {
                    edges.append(Edge(from: "watcher:\(watcher.name)", to: "asset:\(asset.name)"))
                }
            }
            for dag in dags { for asset in dag.outlets { producers[asset.name, default: []].insert(dag.dagId) } }
            var waitsOn: [String: Set<String>] = [:]  // DAG id → DAG ids it waits on
            for dag in dags {
                let names = assets.filter { dag.schedule.condition?.assetKeys.contains($0.key) ?? false }.map(\.name)
                for name in names {
                    edges.append(Edge(from: "asset:\(name)", to: "dag:\(dag.dagId)"))
                    let fed =
                        !(producers[name] ?? []).isEmpty || assets.contains { $0.name == name && !$0.watchers.isEmpty }
                    if !fed { unfed.append(name) }
                    waitsOn[dag.dagId, default: []].formUnion(producers[name] ?? [])
                }
                for asset in dag.outlets { edges.append(Edge(from: "dag:\(dag.dagId)", to: "asset:\(asset.name)")) }
            }
            var placed: [String] = []
            var pending = dags.map(\.dagId)
            while let next = pending.firstIndex(where: { (waitsOn[$0] ?? []).isSubset(of: Set(placed)) }) {
                placed.append(pending.remove(at: next))
            }
            order = pending.isEmpty ? placed : nil
        }
    }
    // [END graph]
}
