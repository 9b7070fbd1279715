import ArgumentParser
import EventideCLI
import EventidePostgresCLI

@main
struct CDCWatcherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "117_03_05_cdc_watcher",
        abstract: "117.3.5 Database change data capture: row changes of a table feed a watcher that starts a pipeline.",
        discussion: """
            Captures the orders table (not the sessions table), writes orders before and while the watcher runs, \
            including an amount-only update (skipped by the watcher's filter) and a transaction that rolls back (never \
            seen). Each kept change runs sync_order_status. Runs on the embedded store with trigger-based capture; \
            --postgres postgres://postgres@127.0.0.1:55432/eventide runs it on Postgres logical decoding (wal2json; \
            scripts/servers up postgres) — pass new --table, --sessions-table and --slot names for each run there.

            A reused --db or existing tables are refused, not resumed: the example creates its tables and counts \
            the changes from an empty store, so a --db an earlier (or killed) run wrote to, or a --table or \
            --sessions-table that exists already, stops it with a message saying so.
            """)

    @OptionGroup var options: ExampleOptions
    @OptionGroup var changes: ChangeFeedOptions
    @Option(name: .customLong("table"), help: "The captured table.") var orders = "orders"
    @Option(name: .customLong("sessions-table"), help: "A table that is written but not captured.") var sessions =
        "sessions"
    @Option(help: "The replication slot (Postgres) or consumer slot (embedded).") var slot = "eventide_orders_cdc"

    func validate() throws {
        for (flag, name) in [("--table", orders), ("--sessions-table", sessions), ("--slot", slot)] {
            guard (1...60).contains(name.count), name.first?.isLetter == true,
                name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
            else {
                throw ValidationError(
                    "\(flag) must be 1 to 60 lowercase letters, digits or '_', starting with a letter, got '\(name)'")
            }
        }
        guard orders != sessions else { throw ValidationError("--table and --sessions-table must differ") }
    }

    func run() async throws {
        try await options.run(prefix: "cdc-watcher") { database in
            try await CDCWatcher.run(
                .init(orders: orders, sessions: sessions, slot: slot),
                feed: try changes.feed(database: database), database: database)
        }
    }
}
