import Foundation
import GRDB

/// Trigger-based change data capture on the embedded SQLite store: the offline stand-in for log-based CDC
/// (Postgres logical decoding, Debezium).
///
/// `capture(table:)` installs `AFTER INSERT/UPDATE/DELETE` triggers that write every row change — key columns, old
/// and new row as JSON — to `eventide_changes` inside the writing transaction, so a rolled-back transaction leaves
/// no change and committed changes are numbered (`seq`) in commit order (SQLite has one writer at a time). A slot
/// (`eventide_change_slots`) remembers how far a consumer has confirmed.
public struct SQLiteChangeCapture: Sendable {
    public let database: EventideDatabase

    public init(database: EventideDatabase) { self.database = database }

    /// Runs the application's SQL on the store (what the capture watches), as written: its own `BEGIN … COMMIT`
    /// make one transaction, and a statement that fails inside one rolls the whole transaction back.
    public func execute(_ sql: String) async throws {
        try await database.pool.writeWithoutTransaction { db in
            do {
                try db.execute(sql: sql)
            } catch {
                if db.isInsideTransaction { try db.rollback() }
                throw error
            }
        }
    }

    /// Starts capturing `table`'s row changes (again if its columns changed).
    public func capture(table: String) async throws {
        // The name goes into trigger DDL: only plain identifiers.
        guard let first = table.first, first.isLetter || first == "_",
            table.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            throw ChangeCaptureError.invalidName(table)
        }
        try await database.pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS eventide_changes (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, op TEXT NOT NULL,
                        key TEXT NOT NULL, before TEXT, after TEXT, at TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS eventide_change_slots (slot TEXT PRIMARY KEY, confirmed INTEGER NOT NULL);
                    """)
            let columns = try Row.fetchAll(db, sql: "SELECT name, pk FROM pragma_table_info(?)", arguments: [table])
            guard !columns.isEmpty else { throw ChangeCaptureError.unknownTable(table) }
            let names: [String] = columns.map { $0["name"] }
            let keys: [String] = columns.filter { ($0["pk"] as Int) > 0 }.map { $0["name"] }
            func object(_ row: String, _ columns: [String]) -> String {
                "json_object(" + columns.map { "'\($0)', \(row).\"\($0)\"" }.joined(separator: ", ") + ")"
            }
            let quoted = "\"\(table)\""
            let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
            for (operation, key, before, after) in [
                ("insert", object("NEW", keys), "NULL", object("NEW", names)),
                ("update", object("NEW", keys), object("OLD", names), object("NEW", names)),
                ("delete", object("OLD", keys), object("OLD", names), "NULL"),
            ] {
                let trigger = "\"eventide_cdc_\(table)_\(operation)\""
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(trigger)")
                try db.execute(
                    sql: """
                        CREATE TRIGGER \(trigger) AFTER \(operation.uppercased()) ON \(quoted) BEGIN
                            INSERT INTO eventide_changes (tbl, op, key, before, after, at)
                            VALUES ('\(table)', '\(operation)', \(key), \(before), \(after), \(now));
                        END
                        """)
            }
        }
    }

    /// Committed changes after `seq`, oldest first, of `tables` (all captured tables when empty).
    public func changes(after seq: Int64, tables: [String] = [], limit: Int = 500) async throws -> [CapturedChange] {
        try await database.pool.read { db in
            guard try db.tableExists("eventide_changes") else { return [] }
            let filter = tables.isEmpty ? "" : " AND tbl IN (" + tables.map { _ in "?" }.joined(separator: ",") + ")"
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM eventide_changes WHERE seq > ?\(filter) ORDER BY seq LIMIT ?",
                arguments: StatementArguments([seq] + tables + [limit]))
            return rows.map { row in
                func json(_ column: String) -> JSONValue? {
                    (row[column] as String?).flatMap { try? JSONValue.parse($0) }
                }
                return CapturedChange(
                    seq: row["seq"], table: row["tbl"],
                    operation: row["op"], key: json("key")?.objectValue ?? [:],
                    before: json("before")?.objectValue, after: json("after")?.objectValue,
                    at: row["at"])
            }
        }
    }

    /// How far `slot` has confirmed (0 when it has not).
    public func confirmed(slot: String) async throws -> Int64 {
        try await database.pool.read { db in
            guard try db.tableExists("eventide_change_slots") else { return 0 }
            return try Int64.fetchOne(
                db, sql: "SELECT confirmed FROM eventide_change_slots WHERE slot = ?", arguments: [slot]) ?? 0
        }
    }

    /// Moves `slot` forward to `seq` (never back).
    public func confirm(slot: String, through seq: Int64) async throws {
        try await database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO eventide_change_slots (slot, confirmed) VALUES (?, ?)
                    ON CONFLICT(slot) DO UPDATE SET confirmed = max(confirmed, excluded.confirmed)
                    """, arguments: [slot, seq])
        }
    }
}

/// One committed row change.
public struct CapturedChange: Sendable, Hashable {
    public let seq: Int64
    public let table: String
    /// `insert`, `update` or `delete`.
    public let operation: String
    public let key: [String: JSONValue]
    public let before: [String: JSONValue]?
    public let after: [String: JSONValue]?
    /// When it was written (UTC, RFC 3339).
    public let at: String

    /// The payload every change trigger delivers (the Postgres one has the same keys, and more).
    public var payload: JSONValue {
        [
            "operation": .string(operation), "schema": "main", "table": .string(table), "key": .object(key),
            "before": before.map(JSONValue.object) ?? .null, "after": after.map(JSONValue.object) ?? .null,
            "seq": .number(Double(seq)),
        ]
    }
}

/// Why change capture could not start.
public enum ChangeCaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownTable(String)
    case invalidName(String)

    public var description: String {
        switch self {
        case .unknownTable(let table): "the table '\(table)' does not exist; create it before capturing its changes"
        case .invalidName(let name):
            "'\(name)' is not a plain table name (letters, digits and '_', not starting with a digit)"
        }
    }
}
