import GRDB

/// Hot paths (recording an asset event, creating and updating runs) execute the same SQL thousands of times:
/// these prepare each statement once per connection and reuse it.
extension Database {
    func run(_ sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func rows(_ sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    func row(_ sql: String, arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func value<Value: DatabaseValueConvertible>(
        _ type: Value.Type, _ sql: String,
        arguments: StatementArguments = []
    ) throws -> Value? {
        try Value.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    /// Runs `body` in a savepoint of the current transaction: released when it returns, rolled back (and released)
    /// when it throws, and the error rethrown. GRDB's `inSavepoint` does the same with statements it parses anew on
    /// every call; a group commit opens one savepoint per event, so these three are prepared once per connection.
    func inCachedSavepoint(_ body: () throws -> Void) throws {
        try run("SAVEPOINT eventide")
        do {
            try body()
        } catch {
            // SQLite may already have rolled the whole transaction back (a full disk, say): nothing to undo then.
            if isInsideTransaction {
                try run("ROLLBACK TO SAVEPOINT eventide")
                try run("RELEASE SAVEPOINT eventide")
            }
            throw error
        }
        try run("RELEASE SAVEPOINT eventide")
    }
}
