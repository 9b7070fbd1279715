import Eventide
import Foundation
import Logging
import PostgresNIO

/// A `SqlSensor`'s query on Postgres: each poke opens a connection (as Airflow's hook does), runs its statement in
/// `BEGIN READ ONLY` … `ROLLBACK` and closes it, so sensors poking at once never share a transaction; so a statement that writes is refused by the server (SQLSTATE
/// 25006) with `SqlSensor.Failure.writeRefused`. Parameters are `$1`, `$2`, … (which the SQLite source reads
/// positionally too).
///
/// ```swift
/// let source = PostgresSqlSensorSource(endpoint: PostgresEndpoint(port: 55432, database: "eventide"))
/// let sensor = SqlSensor(on: source, sql: "SELECT status FROM load_flag WHERE batch = $1", parameters: ["b-7"])
/// ```
public struct PostgresSqlSensorSource: SqlSensor.Source {
    public let endpoint: PostgresEndpoint
    private let logger: Logger

    public init(endpoint: PostgresEndpoint, logger: Logger = PostgresEndpoint.quietLogger) {
        self.endpoint = endpoint
        self.logger = logger
    }

    public var description: String { endpoint.description }

    public func rows(_ sql: String, parameters: [JSONValue]) async throws -> SqlSensor.Rows {
        let connection = try await endpoint.connect(logger: logger)
        let result: Result<SqlSensor.Rows, any Error>
        do {
            result = .success(try await readOnly(sql, parameters, on: connection))
        } catch {
            result = .failure(error)
        }
        try? await connection.close()  // postgres-nio traps on a connection released unclosed
        return try result.get()
    }

    private func readOnly(
        _ sql: String, _ parameters: [JSONValue], on connection: PostgresConnection
    ) async throws -> SqlSensor.Rows {
        do {
            try await connection.query("BEGIN READ ONLY", logger: logger)
            var columns: [String] = []
            var rows: [[JSONValue]] = []
            for try await row in try await connection.query(Self.query(sql, parameters), logger: logger) {
                if columns.isEmpty { columns = row.map(\.columnName) }
                rows.append(row.map(Self.cell))
            }
            try await connection.query("ROLLBACK", logger: logger)
            return SqlSensor.Rows(columns: columns, rows: rows)
        } catch {
            if let error = error as? PSQLError, let info = error.serverInfo, info[.sqlState] == "25006" {
                throw SqlSensor.Failure.writeRefused(sql: sql, reason: info[.message] ?? "read-only transaction")
            }
            throw CDCError.from(error, sql: sql)
        }
    }

    /// `sql` with `parameters` bound to `$1`, `$2`, … (JSON scalars; arrays and objects as JSON text).
    static func query(_ sql: String, _ parameters: [JSONValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters { bind(parameter, into: &bindings) }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func bind(_ value: JSONValue, into bindings: inout PostgresBindings) {
        switch value {
        case .null: bindings.appendNull()
        case .bool(let flag): bindings.append(flag)
        case .string(let text): bindings.append(text)
        case .number(let number) where number == number.rounded() && abs(number) < 9e15: bindings.append(Int(number))
        case .number(let number): bindings.append(number)
        case .array, .object: bindings.append(value.jsonText)
        }
    }

    /// A cell as a JSON scalar: numbers, booleans and text as such, JSON as JSON, times as ISO 8601, anything else
    /// as its text.
    static func cell(_ cell: PostgresCell) -> JSONValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return (try? cell.decode(Bool.self)).map(JSONValue.bool) ?? .null
        case .int2, .int4, .int8: return (try? cell.decode(Int.self)).map { .number(Double($0)) } ?? .null
        case .float4, .float8: return (try? cell.decode(Double.self)).map(JSONValue.number) ?? .null
        case .numeric:
            return (try? cell.decode(Decimal.self)).map { .number(NSDecimalNumber(decimal: $0).doubleValue) } ?? .null
        case .json, .jsonb:
            return (try? cell.decode(String.self)).flatMap { try? JSONValue.parse($0) } ?? .null
        case .timestamptz, .timestamp:
            return (try? cell.decode(Date.self)).map { .string($0.ISO8601Format()) } ?? .null
        case .uuid: return (try? cell.decode(UUID.self)).map { .string($0.uuidString.lowercased()) } ?? .null
        default: return (try? cell.decode(String.self)).map(JSONValue.string) ?? .string("<\(cell.dataType)>")
        }
    }
}
