import Eventide

/// 117.3.5 — database changes start pipelines: a change feed on the `orders` table (trigger-based capture on the
/// embedded store, logical decoding on Postgres) feeds a watcher; the watcher keeps the changes that matter (a new
/// order, a status change, a deletion) and skips the rest; each kept change runs `sync_order_status`.
enum CDCWatcher {
    // [START source]
    /// Captures `table`'s committed row changes for `slot` (with whole old rows), before the application writes:
    /// changes made before the watcher first runs are kept for it. Returns the watcher's trigger.
    static func changes(of table: String, in feed: any ChangeFeed, slot: String) async throws -> any Trigger {
        try await feed.capture(tables: [table], slot: slot)
        return feed.trigger(slot: slot, tables: [table])
    }
    // [END source]

    // [START watcher]
    /// The watcher on the changes: acknowledging a change (after its asset event is committed, or when the filter
    /// skips it) confirms the slot, so a restarted watcher gets what it had not acknowledged again.
    static func ordersWatcher(changes: any Trigger) -> AssetWatcher {
        AssetWatcher(
            name: "orders_cdc", trigger: changes, filter: { relevant($0.payload) }, extract: change,
            restart: RetryPolicy(retries: 10, delay: .milliseconds(200)))
    }

    /// Whether a change matters to the pipeline: inserts, deletes, and updates that change the status.
    static func relevant(_ payload: JSONValue) -> Bool {
        guard payload["operation"] == "update" else { return true }
        return payload["before"]?["status"] != payload["after"]?["status"]
    }

    /// The asset event's `extra`: the operation, the order and its status before and after.
    static func change(_ event: TriggerEvent) throws(ChangeError) -> [String: JSONValue] {
        let row = event.payload["after"]?.objectValue ?? event.payload["before"]?.objectValue ?? [:]
        guard let order = row["id"]?.exactIntegerValue else {
            throw .noOrderId(table: event.payload["table"]?.stringValue ?? "")
        }
        return [
            "operation": event.payload["operation"] ?? .null, "order": .number(Double(order)),
            "before": event.payload["before"]?["status"] ?? .null, "after": event.payload["after"]?["status"] ?? .null,
            "table": event.payload["table"] ?? .null,
        ]
    }
    // [END watcher]

    // [START dag]
    /// One run per kept change (`.perEvent`).
    static func syncOrderStatus(_ orders: Asset) throws -> DAG {
        try DAG(
            "sync_order_status", schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("sync") { context in
                    let change = context.triggeringEvents(of: orders).first?.extra ?? [:]
                    return TaskOutput(value: ["order": change["order"] ?? .null, "status": change["after"] ?? .null])
                }
            ])
    }
    // [END dag]
}

/// Why a captured change cannot be used.
enum ChangeError: Error, Equatable, CustomStringConvertible {
    /// The row has no integer `id`.
    case noOrderId(table: String)

    var description: String {
        switch self {
        case .noOrderId(let table): "a change of \(table) without an integer 'id'; capture a table keyed by id"
        }
    }
}
