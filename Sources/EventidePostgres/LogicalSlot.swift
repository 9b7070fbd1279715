import Logging
import PostgresNIO

/// A wal2json logical replication slot, read through SQL on one connection.
///
/// Reading peeks (`pg_logical_slot_peek_changes`), which leaves the changes in the slot; only `advance(to:)`
/// (`pg_replication_slot_advance`) lets the server forget them. So a reader that stops between reading and
/// advancing reads the same changes again: at-least-once.
///
/// A statement that gets no answer within `timeout` closes the connection and throws `CDCError.unreachable`, so
/// an owner that reconnects on that error survives a server crash (see `withDeadline`).
public struct LogicalSlot: Sendable {
    public let name: String
    public let connection: PostgresConnection
    public let timeout: Duration
    public let logger: Logger
    /// Ends a statement at once when the connection's channel closes (see `withDeadline`).
    let closing: ChannelClosing

    public init(
        name: String, connection: PostgresConnection, timeout: Duration = .seconds(30),
        logger: Logger = PostgresEndpoint.quietLogger
    ) {
        self.name = name
        self.connection = connection
        self.timeout = timeout
        self.logger = logger
        self.closing = ChannelClosing(connection.closeFuture)
    }

    /// The `application_name` of the connection `open` makes, so that an operator (or a test) finds the backend
    /// that reads a slot in `pg_stat_activity`, also between its reads, when the slot shows no `active_pid`.
    public static func applicationName(of slot: String) -> String { "\(PostgresEndpoint.applicationName) slot \(slot)" }

    /// Connects to `endpoint` and creates the slot if it is missing; closes the connection if that fails.
    public static func open(
        _ name: String, at endpoint: PostgresEndpoint,
        logger: Logger = PostgresEndpoint.quietLogger
    ) async throws(CDCError) -> LogicalSlot {
        let connection = try await endpoint.connect(logger: logger, applicationName: applicationName(of: name))
        let slot = LogicalSlot(name: name, connection: connection, timeout: endpoint.timeout, logger: logger)
        do throws(CDCError) {
            try await slot.createIfMissing()
        } catch {
            try? await connection.close()
            throw error
        }
        return slot
    }

    /// Creates the slot with wal2json unless it exists; throws `CDCError.wrongPlugin` if it exists with another.
    /// Returns whether it was created.
    @discardableResult
    public func createIfMissing() async throws(CDCError) -> Bool {
        let plugins = try await strings(
            "SELECT plugin::text FROM pg_replication_slots WHERE slot_name = \(name) AND database = current_database()")
        if let plugin = plugins.first {
            guard plugin == "wal2json" else { throw CDCError.wrongPlugin(slot: name, plugin: plugin) }
            return false
        }
        do throws(CDCError) {
            _ = try await strings("SELECT slot_name::text FROM pg_create_logical_replication_slot(\(name), 'wal2json')")
            return true
        } catch .query(_, .some("42710"), _) {
            return false  // created meanwhile by another reader
        }
    }

    /// Drops the slot (the server then keeps no WAL for it).
    public func drop() async throws(CDCError) {
        _ = try await strings("SELECT pg_drop_replication_slot(\(name))::text")
    }

    /// Up to about `limit` rows, whole transactions only, from the slot's confirmed position; the slot is not moved.
    public func peek(limit: Int, options: [String]) async throws(CDCError) -> [Wal2JSONDecoder.Row] {
        let query: PostgresQuery =
            "SELECT lsn::text, data FROM pg_logical_slot_peek_changes(\(name)::name, NULL, \(limit)::int4, VARIADIC \(options)::text[])"
        return try await run(query) { rows throws in
            var result: [Wal2JSONDecoder.Row] = []
            for try await (lsn, data) in rows.decode((String, String).self) {
                result.append(Wal2JSONDecoder.Row(lsn: try LSN(lsn), data: data))
            }
            return result
        }
    }

    /// Moves the slot's confirmed position to `lsn`: the server forgets every change committed before it.
    /// Returns the position the slot reached.
    @discardableResult
    public func advance(to lsn: LSN) async throws(CDCError) -> LSN {
        let reached = try await strings(
            "SELECT end_lsn::text FROM pg_replication_slot_advance(\(name), \(lsn.description)::pg_lsn)")
        return try LSN(reached.first ?? lsn.description)
    }

    /// The slot's confirmed position, `nil` before anything was confirmed.
    public func confirmedLSN() async throws(CDCError) -> LSN? {
        guard
            let text = try await optionalStrings(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = \(name)"
            ).first
        else {
            throw CDCError.slotMissing(slot: name)
        }
        return try text.map { text throws(CDCError) in try LSN(text) }
    }

    /// Closes the connection without waiting, for an owner that goes away without having closed it: the
    /// connection stays referenced until it is closed (postgres-nio requires a connection closed before release).
    func closeInBackground() {
        let connection = connection
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    // MARK: Helpers

    private func strings(_ query: PostgresQuery) async throws(CDCError) -> [String] {
        try await optionalStrings(query).map { $0 ?? "" }
    }

    private func optionalStrings(_ query: PostgresQuery) async throws(CDCError) -> [String?] {
        try await run(query) { rows throws in
            var values: [String?] = []
            for try await value in rows.decode(String?.self) { values.append(value) }
            return values
        }
    }

    /// Runs `query` and reads its rows with `read`, within `timeout`; every failure becomes a `CDCError`.
    private func run<Value: Sendable>(
        _ query: PostgresQuery, read: @escaping @Sendable (PostgresRowSequence) async throws -> Value
    ) async throws(CDCError) -> Value {
        let (connection, logger, slot, closing) = (connection, logger, name, closing)
        // postgres-nio would wait for ever for a statement on a closed connection (see `withDeadline`).
        guard !connection.isClosed else {
            throw CDCError.unreachable(endpoint: "the connection's server", reason: "the connection is closed")
        }
        return try await withDeadline(
            timeout, endpoint: "the connection's server", closing: closing,
            expire: { connection.close().whenComplete { _ in } }
        ) { () throws(CDCError) in
            do {
                return try await read(try await connection.query(query, logger: logger))
            } catch {
                throw CDCError.from(error, sql: query.sql, slot: slot)
            }
        }
    }
}
