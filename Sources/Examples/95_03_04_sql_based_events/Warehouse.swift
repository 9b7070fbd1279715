import Eventide
import EventidePostgres

/// Where the example's tables live: the sensors read them through `source`, the producer and the export task
/// write them in transactions. The runtime's SQLite store by default, Postgres with `--postgres`.
protocol Warehouse: Sendable {
    var source: any SqlSensor.Source { get }
    func transaction(_ statements: [(sql: String, parameters: [JSONValue])]) async throws
}

extension Warehouse {
    func execute(_ sql: String, _ parameters: [JSONValue] = []) async throws {
        try await transaction([(sql, parameters)])
    }
}

/// Tables in the runtime's own store, read on its read-only connections.
struct SQLiteWarehouse: Warehouse {
    let database: EventideDatabase
    var source: any SqlSensor.Source { SqlSensor.SQLiteSource(database: database) }

    func transaction(_ statements: [(sql: String, parameters: [JSONValue])]) async throws {
        try await database.transaction { store in
            for statement in statements { try store.execute(statement.sql, arguments: statement.parameters) }
        }
    }
}

/// Tables in a Postgres database: one read-only connection for the sensors, one for writes.
struct PostgresWarehouse: Warehouse {
    let reader: PostgresSqlSensorSource
    let writer: PostgresSqlWriter
    var source: any SqlSensor.Source { reader }

    init(endpoint: PostgresEndpoint) {
        reader = PostgresSqlSensorSource(endpoint: endpoint)
        writer = PostgresSqlWriter(endpoint: endpoint)
    }

    func transaction(_ statements: [(sql: String, parameters: [JSONValue])]) async throws {
        try await writer.transaction(statements)
    }
}
