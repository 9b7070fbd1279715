import Eventide
import EventideCLI
import Foundation

/// 117.3.5 — database changes start pipelines: a change feed on the `orders` table (trigger-based capture on the
/// embedded store, logical decoding on Postgres) feeds a watcher; the watcher keeps the changes that matter (a new
/// order, a status change, a deletion) and skips the rest; each kept change runs `sync_order_status`.
enum CDCWatcher {
    static let item = "117.3.5"
    static let title = "Database Change Data Capture"
    static let watcherName = "orders_cdc"
    static let dagId = "sync_order_status"

    struct Configuration: Sendable {
        /// Table and slot names (Postgres keeps both beyond the run: use new ones per run there).
        var orders = "orders"
        var sessions = "sessions"
        var slot = "eventide_orders_cdc"
    }

    struct Change: Codable, Sendable, Hashable {
        let operation: String
        let order: Int
        /// `new`, `new → paid`, `paid → (deleted)`, …
        let status: String
        let runState: DagRunState?
    }

    struct Outcome: Codable, Sendable {
        let feed: String
        let trigger: String
        let changes: [Change]
        let filtered: Int
        let eventsSeen: Int
        let tablesSeen: [String]
    }

    /// Whether a change matters to the pipeline: inserts, deletes, and updates that change the status.
    static func relevant(_ payload: JSONValue) -> Bool {
        guard payload["operation"] == "update" else { return true }
        return payload["before"]?["status"] != payload["after"]?["status"]
    }

    static func run(_ configuration: Configuration, feed: any ChangeFeed,
                    database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (orders, sessions, slot) = (configuration.orders, configuration.sessions, configuration.slot)
        try await feed.execute("CREATE TABLE \(orders) (id integer PRIMARY KEY, status text NOT NULL, amount numeric(10,2))")
        try await feed.execute("CREATE TABLE \(sessions) (id integer PRIMARY KEY, username text)")
        try await feed.capture(tables: [orders], slot: slot)
        timeline.note("capturing \(orders) on \(feed) for slot \(slot); \(sessions) is not captured")

        let trigger = feed.trigger(slot: slot, tables: [orders])
        let watcher = AssetWatcher(
            name: watcherName, trigger: trigger, filter: { relevant($0.payload) },
            extract: { event in
                let row = event.payload["after"]?.objectValue ?? event.payload["before"]?.objectValue ?? [:]
                guard let order = row["id"]?.exactIntegerValue else { throw ExampleError("a change without an order id") }
                let before = event.payload["before"]?["status"]?.stringValue, after = event.payload["after"]?["status"]?.stringValue
                let status = [before, after ?? (event.payload["operation"] == "delete" ? "(deleted)" : nil)]
                    .compactMap { $0 }.joined(separator: " → ")
                return ["operation": event.payload["operation"] ?? .null, "order": .number(Double(order)),
                        "status": .string(status), "table": event.payload["table"] ?? .null]
            },
            restart: RetryPolicy(retries: 10, delay: .milliseconds(200)))
        let asset = try Asset(uri: "db://shop/\(orders)", name: "orders_table", watchers: [watcher])
        let dag = try DAG(dagId, schedule: .on([asset]), assetTriggering: .perEvent, tasks: [
            TaskDefinition("sync") { context in
                let change = context.triggeringEvents(of: asset).first?.extra ?? [:]
                return TaskOutput(value: .string("order \(change["order"]?.exactIntegerValue ?? 0): \(change["status"]?.stringValue ?? "")"))
            }])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [asset])
        try await orchestrator.requireFreshStore()

        // Written before the watcher runs: the slot (or the capture table) keeps them.
        try await feed.execute("INSERT INTO \(orders) VALUES (1, 'new', 25.50), (2, 'new', 9.99), (3, 'new', 4.00)")
        timeline.note("3 orders inserted before the watcher started")
        let status = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: watcherName, state: .running)
            try await feed.execute("INSERT INTO \(sessions) VALUES (1, 'ana')")
            try await feed.execute("UPDATE \(orders) SET status = 'paid' WHERE id = 1")
            try await feed.execute("UPDATE \(orders) SET amount = 10.49 WHERE id = 2")
            do {
                try await feed.execute("BEGIN; UPDATE \(orders) SET status = 'lost' WHERE id = 3; INSERT INTO \(orders) VALUES (1, 'dup', 0); COMMIT")
            } catch {
                try? await feed.execute("ROLLBACK")
                timeline.note("a transaction failed and rolled back (\(String("\(error)".prefix(60)))…): its status change never happened")
            }
            try await feed.execute("DELETE FROM \(orders) WHERE id = 3")
            timeline.note("\(sessions) written; order 1 paid; order 2's amount corrected; order 3 deleted")
            let status = try await orchestrator.triggerer.waitFor(watcher: watcherName) { $0.eventsRecorded == 5 && $0.filtered == 1 }
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: dagId, count: 5)
            return status
        }
        let runs = try await orchestrator.scheduler.runs(of: dagId)
        let events = try await orchestrator.scheduler.assetEvents(for: asset.key)
        let changes = events.map { event in
            Change(operation: event.extra["operation"]?.stringValue ?? "", order: event.extra["order"]?.exactIntegerValue ?? 0,
                   status: event.extra["status"]?.stringValue ?? "",
                   runState: runs.first { $0.triggeringAssetEvents.contains { $0.id == event.id } }?.state)
        }
        for change in changes { timeline.note("\(change.operation) order \(change.order): \(change.status) → run \(change.runState?.rawValue ?? "none")") }
        let outcome = Outcome(feed: feed.description, trigger: trigger.description, changes: changes, filtered: status.filtered,
                              eventsSeen: status.eventsSeen, tablesSeen: Array(Set(events.compactMap { $0.extra["table"]?.stringValue })).sorted())
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    static func proved(_ outcome: Outcome) -> [String] {
        [
            "\(outcome.eventsSeen) changes of \(outcome.tablesSeen.joined(separator: ", ")) seen, in commit order: "
                + outcome.changes.map { "\($0.operation) \($0.order)" }.joined(separator: ", "),
            "kept \(outcome.changes.count), skipped \(outcome.filtered) (an update that left the status alone); "
                + "the sessions table and the rolled-back transaction produced nothing",
            "\(outcome.changes.filter { $0.runState == .success }.count) runs of \(dagId), one per kept change",
        ]
    }
}
