import Eventide
import EventidePostgres
import EventideTesting
import Foundation
import Logging
import PostgresNIO

/// A connection to the test server's `eventide` database, a table, a slot name and an outbox prefix unique to
/// one test, and an event log in a temporary store. `run` drops the slot and the table afterwards.
struct PostgresFixture: Sendable {
    static let endpoint = PostgresEndpoint(
        host: "127.0.0.1", port: Int(LocalServer.postgres.port), database: "eventide")

    let connection: PostgresConnection
    /// e.g. `orders_3f9a1c2e`, in schema `public`.
    let table: String
    let slot: String
    let prefix: String
    let log: EventLog
    let topic = "changes"
    let logger = PostgresEndpoint.quietLogger

    var qualifiedTable: String { "public.\(table)" }

    static func run<T>(_ name: String, _ body: (PostgresFixture) async throws -> T) async throws -> T {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let connection = try await endpoint.connect()
        let log: EventLog
        do {
            log = EventLog(database: try TemporaryDatabase.make("pg-\(name)"))
            try await log.createTopic("changes")
        } catch {
            try? await connection.close()
            throw error
        }
        let fixture = PostgresFixture(
            connection: connection, table: "\(name)_\(suffix)", slot: "eventide_\(name)_\(suffix)",
            prefix: "\(name)_\(suffix)", log: log)
        do {
            let result = try await body(fixture)
            await fixture.cleanUp()
            return result
        } catch {
            await fixture.cleanUp()
            throw error
        }
    }

    /// Runs `body` with a connection of its own and closes it afterwards, also when `body` throws (postgres-nio
    /// traps on a connection released unclosed).
    static func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await endpoint.connect()
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func execute(_ sql: String) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// The current transaction's id (`txid_current()` assigns one if it has none).
    func currentXid() async throws -> Int {
        for try await xid in try await connection.query("SELECT txid_current()::int8", logger: logger).decode(Int.self)
        {
            return xid
        }
        throw CDCError.query(sql: "txid_current()", sqlState: nil, message: "no row")
    }

    /// The first column of each row of `sql`, as text.
    func strings(_ sql: String) async throws -> [String] {
        var values: [String] = []
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(
            String.self)
        {
            values.append(value)
        }
        return values
    }

    /// Checks `condition` every 20 ms for up to `limit`; returns whether it came true.
    func waitUntil(_ limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    func reader(batchSize: Int = 1000) -> PostgresCDCReader {
        PostgresCDCReader(
            endpoint: Self.endpoint, slot: slot, tables: [qualifiedTable], messagePrefixes: [prefix],
            batchSize: batchSize, log: log, topic: topic)
    }

    func slotHandle() -> LogicalSlot { LogicalSlot(name: slot, connection: connection) }

    /// The changes stored in the log, in log order.
    func storedChanges() async throws -> [ChangeEvent] {
        try await log.readAll(topic: topic).map { try ChangeEvent(json: $0.event.data) }
    }

    /// Drops the slot and the table on a connection of its own: the test may have crashed the server under the
    /// fixture's connection.
    private func cleanUp() async {
        try? await connection.close()
        guard let connection = try? await Self.endpoint.connect() else { return }
        for sql in [
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '\(slot)'",
            "DROP TABLE IF EXISTS \(qualifiedTable)",
        ] {
            _ = try? await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
        try? await connection.close()
    }
}
