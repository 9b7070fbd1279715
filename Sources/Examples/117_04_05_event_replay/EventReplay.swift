import Eventide
import EventideHTTP
import Synchronization

/// 117.4.5 — replaying recorded asset events without repeating their effects: orders arrive as manual asset
/// events through the REST API (`POST /api/v2/assets/events`, by id, uri or name); `load_orders` loads each one
/// into the warehouse through a processed-marker per event (`ProcessedEventLedger`). While the warehouse is down
/// its runs fail and their events stay pending; once it is back, the history is replayed by time range, by event
/// ids and by offsets (`EventReplayer`), into a new run or into the consumer's queue — and an event delivered
/// again after it was loaded changes nothing.
enum EventReplay {
    // [START assets]
    static let consumer = "load_orders"

    /// The orders stream: every order is one asset event, recorded by whoever reports it (here the REST API).
    static func orders() throws -> Asset { try Asset(uri: "s3://shop/orders", name: "orders") }

    /// `load_orders`' processed-markers: the asset event's id is the idempotency key (a replay re-sends the same
    /// recorded events, so the same ids).
    static func ledger(_ database: EventideDatabase, clock: EventideClock) throws -> ProcessedEventLedger {
        try ProcessedEventLedger(database: database, consumer: consumer, clock: clock)
    }

    /// Who may call the API: the shop's backend records order events (`op`). Secrets come from the environment.
    static let access = APIAuthConfiguration(
        users: ["shop": .init(role: .op, passwordVariable: "SHOP_API_PASSWORD")],
        signingSecretVariable: "EVENTIDE_API_SECRET", tokenLifetime: .seconds(15 * 60))
    // [END assets]

    // [START loader]
    /// The warehouse `load` writes to (a table in the example's store); it can be down.
    final class Warehouse: Sendable {
        private let up = Mutex(true)
        var isUp: Bool {
            get { up.withLock { $0 } }
            set { up.withLock { $0 = newValue } }
        }
    }

    struct WarehouseDown: Error, CustomStringConvertible {
        let eventId: Int64
        var description: String { "the warehouse is down: order event #\(eventId) not loaded (replay it later)" }
    }

    /// One run per order event. `load` writes each event it was given into `loaded_order` through the ledger:
    /// the row and the event's marker commit together, a marked event is skipped, and a failed write (the
    /// warehouse down) leaves the event pending and the run failed.
    static func loader(_ orders: Asset, ledger: ProcessedEventLedger, warehouse: Warehouse) throws -> DAG {
        try DAG(
            consumer, schedule: .on([orders]), maxActiveRuns: 1, assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("load") { context in
                    var applied: [JSONValue] = []
                    var skipped: [JSONValue] = []
                    for event in context.triggeringEvents(of: orders) {
                        let row: [JSONValue] = [
                            .number(Double(event.id)), event.extra["order_id"] ?? .null, event.extra["amount"] ?? .null,
                        ]
                        let result = try await ledger.process(event) { tx in
                            guard warehouse.isUp else { throw WarehouseDown(eventId: event.id) }
                            try tx.execute(
                                "INSERT INTO loaded_order(event_id, order_id, amount) VALUES (?, ?, ?)", arguments: row)
                        }
                        if result.wasApplied { applied.append(row[0]) } else { skipped.append(row[0]) }
                    }
                    return TaskOutput(value: ["applied": .array(applied), "skipped": .array(skipped)])
                }
            ])
    }

    static func createWarehouse(_ database: EventideDatabase) async throws {
        try await database.transaction { tx in
            try tx.execute("CREATE TABLE loaded_order(event_id INTEGER NOT NULL, order_id TEXT, amount REAL)")
        }
    }
    // [END loader]

    // [START replay]
    /// One replay the operator runs: which events, where to, and whether processed ones are sent again.
    struct Replay: Sendable {
        let says: String
        let selection: ReplaySelection
        let target: ReplayTarget
        let policy: ReplayPolicy
    }

    /// Sends `replay`'s events (with `.pendingOnly`, only those `load_orders` has not processed: replaying twice
    /// sends nothing the second time), then reads processed versus pending over the whole history.
    static func run(_ replay: Replay, of orders: Asset, replayer: EventReplayer, ledger: ProcessedEventLedger)
        async throws -> (ReplayResult, ReplayStatus)
    {
        let result = try await replayer.replay(
            orders.key, replay.selection, into: replay.target, ledger: ledger, policy: replay.policy)
        let status = try await replayer.status(of: orders.key, .offsets(from: 1, through: nil), ledger: ledger)
        return (result, status)
    }
    // [END replay]
}
