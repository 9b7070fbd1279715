import Eventide
import Foundation

/// 117.4.3 — several asset events per DAG run: a burst that completes a condition becomes one run whose tasks see
/// every triggering event; events accumulate while a DAG is at its active-run limit, or until a time window closes;
/// and a run fans its events out to parallel branches and joins them.
enum MultiEventRuns {
    // [START burst]
    /// Orders arrive in bursts; a settlement needs the orders AND the payment file that covers them. Airflow's
    /// queue collects every event of `orders` and `payments` until `orders & payments` holds, then one run consumes
    /// them all (`.batched`, the default).
    struct Assets {
        let orders: Asset, payments: Asset, clicks: Asset
        var all: [Asset] { [orders, payments, clicks] }

        init() throws {
            orders = try Asset(uri: "eventide://shop/orders", name: "orders")
            payments = try Asset(uri: "eventide://shop/payments", name: "payments")
            clicks = try Asset(uri: "eventide://shop/clicks", name: "clicks")
        }
    }

    /// `collect` reads every triggering event (`context.triggeringAssetEvents`, and per asset with
    /// `triggeringEvents(of:)`) and deals the orders to `branches` slots: branch `i` settles orders `i`, `i + n`, …
    static func collect(_ assets: Assets, branches: Int) -> TaskDefinition {
        TaskDefinition("collect") { context in
            let orders = context.triggeringEvents(of: assets.orders).map(\.id)
            let payments = context.triggeringEvents(of: assets.payments).map(\.id)
            let slots = (0..<branches).map { slot in
                JSONValue.array(orders.indices.filter { $0 % branches == slot }.map { .number(Double(orders[$0])) })
            }
            return TaskOutput(value: [
                "all": .array(context.triggeringAssetEvents.map { .number(Double($0.id)) }),
                "payments": .array(payments.map { .number(Double($0)) }), "slots": .array(slots),
            ])
        }
    }
    // [END burst]

    // [START branches]
    /// Settles a slot's orders (the asset event ids) inside a run.
    typealias Settle = @Sendable (TaskContext, _ orders: [Int64]) async throws -> Void

    /// `collect` → `settle_1` … `settle_n` (independent of each other) → `join`. Each branch settles the orders
    /// of its slot; the executor runs the branches concurrently only when `ExecutorSettings.maxActiveTasksPerRun`
    /// allows it (1, the default, runs them one after the other). `join` waits for all of them.
    static func settleDag(_ dagId: String, assets: Assets, branches: Int, settle: @escaping Settle) throws -> DAG {
        let branchTasks = (1...branches).map { n in
            TaskDefinition("settle_\(n)", upstream: ["collect"]) { context in
                let slots = context.upstreamValues["collect"]?["slots"]?.arrayValue ?? []
                let mine = slots.indices.contains(n - 1) ? slots[n - 1].arrayValue ?? [] : []
                if !mine.isEmpty { try await settle(context, mine.compactMap { $0.doubleValue.map { Int64($0) } }) }
                return TaskOutput(value: .array(mine))
            }
        }
        let join = TaskDefinition("join", upstream: branchTasks.map(\.taskId)) { context in
            TaskOutput(value: .array(branchTasks.flatMap { context.upstreamValues[$0.taskId]?.arrayValue ?? [] }))
        }
        return try DAG(
            dagId, schedule: .on(assets.orders & assets.payments), maxActiveRuns: 1,
            tasks: [collect(assets, branches: branches)] + branchTasks + [join])
    }
    // [END branches]

    // [START windows]
    /// Aggregation by the active-run limit: one run at a time; the events that arrive while it runs wait in the
    /// queue and the next run, created as soon as the first ends, consumes them all.
    static func tallyDag(assets: Assets, work: Duration) throws -> DAG {
        try DAG(
            "tally_clicks", schedule: .on(assets.clicks), maxActiveRuns: 1,
            tasks: [
                TaskDefinition("tally") { context in
                    try await context.clock.sleep(for: work)
                    return TaskOutput(value: .number(Double(context.triggeringAssetEvents.count)))
                }
            ])
    }

    /// Aggregation by a time window: events alone make no run; each tick of the timetable closes a window and
    /// one run consumes every event queued since the last (Airflow's `AssetAndTimeSchedule`).
    static func windowDag(assets: Assets, window: Duration) throws -> DAG {
        try DAG(
            "window_clicks",
            schedule: .assetAndTime(try AssetAndTimeSchedule(timetable: .interval(window), assets: [assets.clicks])),
            tasks: [
                TaskDefinition("summarise") { context in
                    TaskOutput(value: .number(Double(context.triggeringAssetEvents.count)))
                }
            ])
    }
    // [END windows]
}
