extension SqlSensor {
    /// Where a `SqlSensor`'s query runs: the runtime's SQLite store (`.sqlite(database)`) or another database
    /// (`PostgresSqlSensorSource` in EventidePostgres). Runs one statement read-only and returns its rows; a
    /// statement that writes throws `SqlSensor.Failure.writeRefused`.
    public protocol Source: Sendable, CustomStringConvertible {
        func rows(_ sql: String, parameters: [JSONValue]) async throws -> Rows
    }

    /// What a query returned: column names and rows of JSON scalars (SQL `NULL` → `.null`, integers and reals →
    /// numbers, text → strings, booleans → `.bool`, anything else as its text).
    public struct Rows: Sendable, Hashable, Codable {
        public var columns: [String]
        public var rows: [[JSONValue]]

        public init(columns: [String], rows: [[JSONValue]]) {
            self.columns = columns
            self.rows = rows
        }

        /// The first cell of the first row, `nil` when there is no row.
        public var firstCell: JSONValue? { rows.first?.first }

        /// Each row as an object keyed by column name.
        public var objects: [JSONValue] {
            rows.map { row in .object(Dictionary(zip(columns, row), uniquingKeysWith: { first, _ in first })) }
        }
    }

    /// What the sensor task returns once done (its XCom value, read downstream in `upstreamValues`).
    public enum Handoff: String, Sendable, Hashable, Codable {
        /// Nothing (Airflow's `SqlSensor` returns nothing).
        case none
        /// The deciding cell.
        case firstCell = "first_cell"
        /// The first row, as an object keyed by column name.
        case firstRow = "first_row"
        /// Every row, as objects keyed by column name.
        case allRows = "all_rows"

        func value(of rows: Rows) -> JSONValue? {
            switch self {
            case .none: nil
            case .firstCell: rows.firstCell
            case .firstRow: rows.objects.first
            case .allRows: .array(rows.objects)
            }
        }
    }
}
