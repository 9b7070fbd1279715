/// Where an example's database changes come from: the embedded store with trigger-based capture
/// (`SQLiteChangeFeed`, offline, the default) or Postgres logical decoding (`PostgresChangeFeed` in
/// EventidePostgres). The application writes through `execute`; a watcher reads the changes through `trigger`,
/// with the payload `{"operation", "schema", "table", "key", "before", "after", …}` on both.
public protocol ChangeFeed: Sendable, CustomStringConvertible {
    /// Runs the application's SQL (statements separated by `;`).
    func execute(_ sql: String) async throws
    /// Starts capturing the row changes of `tables` (after they exist) for `slot`, with the whole old row for updates
    /// and deletes: changes committed from now on reach the slot's trigger, also those made before it first runs.
    func capture(tables: [String], slot: String) async throws
    /// A trigger for `AssetWatcher` over `tables`' changes, from where `slot` confirmed; acknowledging confirms it.
    func trigger(slot: String, tables: [String]) -> any Trigger
}

/// The `ChangeFeed` on the embedded store.
public struct SQLiteChangeFeed: ChangeFeed {
    public let capture: SQLiteChangeCapture
    public let interval: Duration

    public init(database: EventideDatabase, interval: Duration = .milliseconds(20)) {
        capture = SQLiteChangeCapture(database: database)
        self.interval = interval
    }

    public var description: String { "the embedded store (trigger-based capture)" }

    public func execute(_ sql: String) async throws { try await capture.execute(sql) }

    public func capture(tables: [String], slot: String) async throws {
        for table in tables { try await capture.capture(table: table) }
    }

    public func trigger(slot: String, tables: [String]) -> any Trigger {
        SQLiteChangeTrigger(capture: capture, slot: slot, tables: tables, interval: interval)
    }
}
