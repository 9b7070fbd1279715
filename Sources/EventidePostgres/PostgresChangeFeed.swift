import Eventide
import PostgresNIO

/// The `ChangeFeed` on Postgres: the application's SQL on one connection, changes through a wal2json logical slot
/// (`PostgresCDCTrigger`); tables are in the `public` schema, captured with `REPLICA IDENTITY FULL` so updates and
/// deletes carry the whole old row.
public actor PostgresChangeFeed: ChangeFeed {
    public nonisolated let endpoint: PostgresEndpoint
    public nonisolated let pollInterval: Duration
    private var connection: PostgresConnection?

    deinit {
        // postgres-nio requires a connection closed before it is released.
        if let connection { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
    }

    public init(endpoint: PostgresEndpoint, pollInterval: Duration = .milliseconds(20)) {
        self.endpoint = endpoint
        self.pollInterval = pollInterval
    }

    public nonisolated var description: String { "Postgres at \(endpoint) (logical decoding, wal2json)" }

    public func execute(_ sql: String) async throws {
        let connection = try await open()
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresEndpoint.quietLogger)
        } catch {
            throw CDCError.from(error, sql: sql)
        }
    }

    public func capture(tables: [String], slot: String) async throws {
        for table in tables { try await execute("ALTER TABLE public.\"\(table)\" REPLICA IDENTITY FULL") }
        // The slot keeps the WAL from now on, so writes made before the watcher first reads are not missed.
        let created = try await LogicalSlot.open(slot, at: endpoint)
        try? await created.connection.close()
    }

    public nonisolated func trigger(slot: String, tables: [String]) -> any Trigger {
        PostgresCDCTrigger(
            endpoint: endpoint, slot: slot, tables: tables.map { "public.\($0)" }, pollInterval: pollInterval)
    }

    /// Drops `slot` (the server then keeps no WAL for it).
    public func dropSlot(_ slot: String) async throws {
        try await LogicalSlot(name: slot, connection: try await open(), timeout: endpoint.timeout).drop()
    }

    /// Closes the application's connection.
    public func close() async {
        try? await connection?.close()
        connection = nil
    }

    private func open() async throws(CDCError) -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let connection = try await endpoint.connect()
        self.connection = connection
        return connection
    }
}
