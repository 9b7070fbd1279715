import Eventide
import EventideCLI
import Foundation
import Synchronization

/// Drives `CDCWatcher.swift`: creates the orders and sessions tables, writes orders before and while the watcher
/// runs (a status change, an amount-only update, a transaction that rolls back, a delete, a sessions row), and
/// records every change the watcher's filter sees, as it sees it.
extension CDCWatcher {
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

    enum ScenarioError: Error, Equatable, CustomStringConvertible {
        /// The table exists already: an earlier (or killed) run created it, and its rows and captured changes
        /// would mix with this run's.
        case tableExists(String)
        /// A kept change has no run of `sync_order_status`.
        case noRun(order: Int)

        var description: String {
            switch self {
            case .tableExists(let table):
                "the table \(table) already exists: an earlier run created it, and the example starts from new tables; "
                    + "pass a new --db (or none), or on Postgres new --table, --sessions-table and --slot names"
            case .noRun(let order): "the change of order \(order) was recorded but made no run of \(dagId)"
            }
        }
    }

    enum Operation: String, Codable, Sendable {
        case insert, update, delete
    }

    /// A change as the watcher's filter saw it, in the order it saw them.
    struct Seen: Codable, Sendable, Hashable {
        let table: String
        let operation: Operation
        let order: Int
        let before: String?
        let after: String?
        let kept: Bool
    }

    /// A kept change: its asset event and the state of the run it made.
    struct Change: Codable, Sendable, Hashable {
        let operation: Operation
        let order: Int
        /// The order's status before and after (nil: no row on that side, as for an insert's before).
        let before: String?
        let after: String?
        let runState: DagRunState
    }

    struct Outcome: Codable, Sendable {
        let feed: String
        let trigger: String
        let seen: [Seen]
        let changes: [Change]
        let filtered: Int
        let eventsSeen: Int
        /// The transaction that writes a duplicate key failed (and so rolled back).
        let transactionFailed: Bool
        /// Changes the watcher saw that only the rolled-back transaction made (status `lost`, status `dup`).
        let seenFromRolledBack: Int
        /// Changes the watcher saw of the sessions table.
        let seenFromSessions: Int
        /// Runs of `sync_order_status`.
        let runs: Int
    }

    static func run(
        _ configuration: Configuration, feed: any ChangeFeed,
        database: EventideDatabase
    ) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let (orders, sessions, slot) = (configuration.orders, configuration.sessions, configuration.slot)
        let seen = Mutex<[Seen]>([])
        let asset = try Asset(uri: "db://shop/\(orders)", name: "orders_table")
        let dag = try syncOrderStatus(asset)
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: [dag], assets: [asset])
        // Refused, not resumed: a store or tables an earlier run left would mix their changes into this run's.
        try await orchestrator.requireFreshStore()
        for table in [orders, sessions] where try await exists(table, in: feed) {
            throw ScenarioError.tableExists(table)
        }
        try await feed.execute(
            "CREATE TABLE \(orders) (id integer PRIMARY KEY, status text NOT NULL, amount numeric(10,2))")
        try await feed.execute("CREATE TABLE \(sessions) (id integer PRIMARY KEY, username text)")
        let trigger = try await changes(of: orders, in: feed, slot: slot)
        var watcher = ordersWatcher(changes: trigger)
        // Each change the filter decides on, recorded and noted as it is decided.
        let relevant = watcher.filter ?? { _ in true }
        watcher.filter = { event in
            let kept = relevant(event)
            let change = seenChange(event.payload, kept: kept)
            seen.withLock { $0.append(change) }
            timeline.note(
                "watcher saw \(change.operation.rawValue) of \(change.table) order \(change.order) "
                    + "(status \(change.before ?? "–") → \(change.after ?? "–")): \(kept ? "kept" : "skipped")")
            return kept
        }
        let watched = asset.watched(by: [watcher])
        try await orchestrator.register(dags: [], assets: [watched])
        timeline.note("capturing \(orders) on \(feed) for slot \(slot); \(sessions) is not captured")

        // Written before the watcher runs: the slot (or the capture table) keeps them.
        try await feed.execute("INSERT INTO \(orders) VALUES (1, 'new', 25.50), (2, 'new', 9.99), (3, 'new', 4.00)")
        timeline.note("3 orders inserted before the watcher started")
        let triggerer = orchestrator.triggerer
        let (status, transactionFailed) = try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsSeen == 3 }
            try await feed.execute("INSERT INTO \(sessions) VALUES (1, 'ana')")
            timeline.note("a session written to \(sessions)")
            try await feed.execute("UPDATE \(orders) SET status = 'paid' WHERE id = 1")
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsSeen == 4 }
            try await feed.execute("UPDATE \(orders) SET amount = 10.49 WHERE id = 2")
            _ = try await triggerer.waitFor(watcher: watcherName) { $0.eventsSeen == 5 }
            var failed = false
            do {
                try await feed.execute(
                    "BEGIN; UPDATE \(orders) SET status = 'lost' WHERE id = 3; "
                        + "INSERT INTO \(orders) VALUES (1, 'dup', 0); COMMIT")
            } catch {
                failed = true
                try? await feed.execute("ROLLBACK")
                timeline.note(
                    "a transaction setting order 3 to 'lost' and inserting order 1 again failed and rolled back")
            }
            try await feed.execute("DELETE FROM \(orders) WHERE id = 3")
            let status = try await triggerer.waitFor(watcher: watcherName) {
                $0.eventsSeen == 6 && $0.eventsRecorded == 5
            }
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: dagId, count: 5)
            return (status, failed)
        }
        var changes: [Change] = []
        for event in try await orchestrator.scheduler.assetEvents(for: asset.key) {
            let order = event.extra["order"]?.exactIntegerValue ?? 0
            guard let run = try await orchestrator.scheduler.runs(of: dagId, consuming: event.id).first else {
                throw ScenarioError.noRun(order: order)
            }
            changes.append(
                Change(
                    operation: Operation(rawValue: event.extra["operation"]?.stringValue ?? "") ?? .update,
                    order: order, before: event.extra["before"]?.stringValue,
                    after: event.extra["after"]?.stringValue, runState: run.state))
        }
        let all = seen.withLock { $0 }
        let outcome = Outcome(
            feed: feed.description, trigger: trigger.description, seen: all, changes: changes,
            filtered: status.filtered,
            eventsSeen: status.eventsSeen, transactionFailed: transactionFailed,
            seenFromRolledBack: all.filter { $0.after == "lost" || $0.after == "dup" }.count,
            seenFromSessions: all.filter { $0.table == sessions }.count,
            runs: try await orchestrator.scheduler.runs(of: dagId).count)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// Whether `table` exists: a query of it succeeds (on both feeds).
    static func exists(_ table: String, in feed: any ChangeFeed) async throws -> Bool {
        do {
            try await feed.execute("SELECT 1 FROM \(table) LIMIT 0")
            return true
        } catch {
            return false
        }
    }

    static func seenChange(_ payload: JSONValue, kept: Bool) -> Seen {
        let row = payload["after"]?.objectValue ?? payload["before"]?.objectValue ?? [:]
        return Seen(
            table: payload["table"]?.stringValue ?? "",
            operation: Operation(rawValue: payload["operation"]?.stringValue ?? "") ?? .update,
            order: row["id"]?.exactIntegerValue ?? 0, before: payload["before"]?["status"]?.stringValue,
            after: payload["after"]?["status"]?.stringValue, kept: kept)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        [
            "\(outcome.eventsSeen) changes seen, in the order they were written: "
                + outcome.seen.map { "\($0.operation.rawValue) \($0.order)" }.joined(separator: ", "),
            "kept \(outcome.changes.count), skipped \(outcome.filtered) (an update that left the status alone)",
            "changes seen of the uncaptured sessions table: \(outcome.seenFromSessions); the transaction "
                + (outcome.transactionFailed
                    ? "failed and rolled back; changes seen from it: \(outcome.seenFromRolledBack)"
                    : "did not fail (nothing to roll back)"),
            "\(outcome.changes.filter { $0.runState == .success }.count) of \(outcome.changes.count) kept changes ran "
                + "\(dagId) successfully; runs in all: \(outcome.runs)",
        ]
    }
}
