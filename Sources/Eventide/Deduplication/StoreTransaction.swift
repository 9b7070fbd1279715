import GRDB

/// A write transaction of the runtime's store, handed to the effects of ``Deduplicator`` and ``Resequencer``: the
/// same transaction that records the key (or the resequencing buffer), so the effect and that state commit together
/// or not at all. Arguments are JSON scalars (string → TEXT, integral number →
/// INTEGER, other number → REAL, bool → 0/1, null → NULL).
public struct StoreTransaction {
    let db: Database

    /// Executes one or more statements.
    public func execute(_ sql: String, arguments: [JSONValue] = []) throws {
        try db.execute(sql: sql, arguments: StatementArguments(arguments.map(Self.databaseValue)))
    }

    /// The first column of the first row as an integer (e.g. a `COUNT(*)`), `nil` when there is no row.
    public func integer(_ sql: String, arguments: [JSONValue] = []) throws -> Int? {
        try Int.fetchOne(db, sql: sql, arguments: StatementArguments(arguments.map(Self.databaseValue)))
    }

    static func databaseValue(_ value: JSONValue) -> DatabaseValue {
        switch value {
        case .string(let text): text.databaseValue
        case .number(let number):
            number == number.rounded() && abs(number) < 9e15 ? Int64(number).databaseValue : number.databaseValue
        case .bool(let flag): flag.databaseValue
        case .null, .array, .object: value == .null ? .null : value.jsonText.databaseValue
        }
    }
}
