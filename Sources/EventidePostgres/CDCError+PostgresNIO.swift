import PostgresNIO

/// How postgres-nio's errors become `CDCError`s (apart from the error type, so that the decoders of wal2json
/// output build without postgres-nio, e.g. in the fuzz targets).
extension CDCError {
    /// The error for a failed statement: the server's message and SQLSTATE when it sent one.
    static func from(_ error: any Error, sql: String, slot: String? = nil) -> CDCError {
        if let error = error as? CDCError { return error }
        guard let error = error as? PSQLError else { return .query(sql: sql, sqlState: nil, message: "\(error)") }
        guard error.code == .server, let info = error.serverInfo else {
            return .unreachable(endpoint: "the connection's server", reason: reason(error))
        }
        let state = info[.sqlState]
        let message = info[.message] ?? "no message"
        switch state {
        // Class 08 (connection exception) and the server going away: shut down (57P01, 57P02 for a crash
        // elsewhere) or not accepting connections yet, e.g. during crash recovery (57P03).
        case let state? where state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state):
            return .unreachable(endpoint: "the connection's server", reason: message)
        case "42704" where message.contains("replication slot"): return .slotMissing(slot: slot ?? "?")
        case "55000" where message.contains("wal_level"): return .logicalDecodingUnavailable(reason: message)
        case "58P01" where message.contains("wal2json"): return .logicalDecodingUnavailable(reason: message)
        default: return .query(sql: sql, sqlState: state, message: message)
        }
    }

    /// A readable reason for a connection error (PSQLError's own description hides the cause).
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
