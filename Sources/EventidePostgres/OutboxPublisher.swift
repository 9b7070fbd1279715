import Eventide
import Logging
import PostgresNIO

/// Publishes outbox messages through the WAL: `pg_logical_emit_message(true, prefix, content)` inside the
/// caller's transaction, so the message is decoded from the slot if and only if the transaction commits, in
/// commit order with its row changes. No outbox table to clean up; the CDC reader delivers it as a change of
/// operation `.message` (a `postgres.outbox` event in the log).
///
/// ```swift
/// try await connection.withTransaction(logger: logger) { tx in
///     try await tx.query("INSERT INTO orders ...", logger: logger)
///     try await OutboxPublisher(prefix: "orders").emit(["order": 7, "status": "placed"], on: tx)
/// }
/// ```
public struct OutboxPublisher: Sendable {
    /// The channel name the messages carry (`OutboxMessage.prefix`).
    public let prefix: String
    public let logger: Logger

    public init(prefix: String, logger: Logger = PostgresEndpoint.quietLogger) {
        self.prefix = prefix
        self.logger = logger
    }

    /// Emits `payload` (as JSON text) on `connection`, inside whatever transaction it has open; returns the
    /// message's LSN. Outside a transaction the message is committed at once.
    @discardableResult
    public func emit(_ payload: JSONValue, on connection: PostgresConnection) async throws(CDCError) -> LSN {
        try await emit(text: payload.jsonText, on: connection)
    }

    @discardableResult
    public func emit(text content: String, on connection: PostgresConnection) async throws(CDCError) -> LSN {
        let query: PostgresQuery = "SELECT pg_logical_emit_message(true, \(prefix), \(content))::text"
        do {
            for try await lsn in try await connection.query(query, logger: logger).decode(String.self) {
                return try LSN(lsn)
            }
        } catch {
            throw CDCError.from(error, sql: query.sql)
        }
        throw CDCError.query(sql: query.sql, sqlState: nil, message: "the server returned no LSN")
    }
}
