import Foundation
import GRDB

extension SqlSensor {
    /// Queries the runtime's own SQLite store, on one of its read-only reader connections (WAL: never blocks the
    /// writer, sees the last committed state).
    public struct SQLiteSource: Source {
        public let database: EventideDatabase

        public init(database: EventideDatabase) { self.database = database }

        public var description: String { "sqlite:\(database.path)" }

        public func rows(_ sql: String, parameters: [JSONValue]) async throws -> Rows {
            do {
                return try await database.pool.read { db in
                    let statement = try db.makeStatement(sql: sql)
                    let arguments = StatementArguments(parameters.map(StoreTransaction.databaseValue))
                    let rows = try Row.fetchAll(statement, arguments: arguments).map { row in
                        Array(row.databaseValues.map(Self.cell))
                    }
                    return Rows(columns: statement.columnNames, rows: rows)
                }
            } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_READONLY {
                throw Failure.writeRefused(sql: sql, reason: error.message ?? "\(error.resultCode)")
            }
        }

        static func cell(_ value: DatabaseValue) -> JSONValue {
            switch value.storage {
            case .null: .null
            case .int64(let integer): .number(Double(integer))
            case .double(let real): .number(real)
            case .string(let text): .string(text)
            case .blob(let data): .string(data.base64EncodedString())
            }
        }
    }
}

extension SqlSensor.Source where Self == SqlSensor.SQLiteSource {
    /// The runtime's SQLite store.
    public static func sqlite(_ database: EventideDatabase) -> SqlSensor.SQLiteSource {
        SqlSensor.SQLiteSource(database: database)
    }
}
