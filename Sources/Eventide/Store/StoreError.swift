/// What went wrong with the SQLite store.
///
/// SQL failures themselves surface as GRDB's `DatabaseError`, which carries the SQLite result code and the
/// statement; this type covers what happens before there is a database to talk to.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database file could not be opened or created. `sqliteCode` is SQLite's primary result code.
    case cannotOpen(path: String, sqliteCode: Int32?, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code, let reason):
            let codeText = code.map { " (SQLite code \($0))" } ?? ""
            return "cannot open the event store at \(path.debugDescription)\(codeText): \(reason). "
                + "Check that the folder exists and is writable, or pass another --db path."
        }
    }
}
