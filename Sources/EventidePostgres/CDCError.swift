/// What went wrong reading changes from Postgres or publishing to its outbox.
public enum CDCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No server answered, the login was refused, or the connection broke.
    case unreachable(endpoint: String, reason: String)
    /// The server refused a statement; `sqlState` is Postgres's error code (e.g. `42704`).
    case query(sql: String, sqlState: String?, message: String)
    /// The slot does not exist in this database.
    case slotMissing(slot: String)
    /// The slot exists but decodes with another output plugin than wal2json.
    case wrongPlugin(slot: String, plugin: String)
    /// The server was not started with `wal_level = logical`, or the wal2json plugin is not installed.
    case logicalDecodingUnavailable(reason: String)
    /// A row of wal2json output that is not the JSON the decoder expects.
    case malformedChange(data: String, reason: String)
    /// A wal2json action the decoder does not know (format-version 2 has B, C, I, U, D, T and M).
    case unknownAction(String, data: String)
    /// An LSN that is not of the form `X/Y` in hexadecimal.
    case invalidLSN(String)
    /// A position was asked for past `FFFFFFFF/FFFFFFFF`, the end of the WAL's address space.
    case lsnOverflow(LSN)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "cannot reach Postgres at \(endpoint): \(reason). Check that the server runs "
                + "(scripts/servers up postgres) and that host, port, user and database are right."
        case .query(let sql, let sqlState, let message):
            return "Postgres refused `\(sql)`\(sqlState.map { " (SQLSTATE \($0))" } ?? ""): \(message)."
        case .slotMissing(let slot):
            return "the replication slot '\(slot)' does not exist in this database; create it with "
                + "pg_create_logical_replication_slot('\(slot)', 'wal2json') or let the reader create it."
        case .wrongPlugin(let slot, let plugin):
            return "the replication slot '\(slot)' uses the output plugin '\(plugin)', not wal2json; "
                + "drop it or choose another slot name."
        case .logicalDecodingUnavailable(let reason):
            return "logical decoding is unavailable: \(reason). Start Postgres with wal_level = logical and "
                + "install wal2json (Debian: postgresql-15-wal2json)."
        case .malformedChange(let data, let reason):
            return "wal2json sent a change that cannot be decoded (\(reason)): \(data.prefix(300)). "
                + "Check that the slot's plugin is wal2json with format-version 2."
        case .unknownAction(let action, let data):
            return "wal2json sent the unknown action '\(action)': \(data.prefix(300)). "
                + "The decoder knows B, C, I, U, D, T and M (format-version 2)."
        case .invalidLSN(let text):
            return "'\(text)' is not a log sequence number (expected two hexadecimal numbers, e.g. 0/16B3748)."
        case .lsnOverflow(let lsn):
            return "no log sequence number follows \(lsn), the last one there is; the server's answer is corrupt. "
                + "Check the slot with pg_replication_slots."
        }
    }
}
