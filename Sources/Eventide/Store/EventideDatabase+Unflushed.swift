import GRDB

extension EventideDatabase {
    /// Runs `updates` in one write transaction committed without a flush of its own (`synchronous = NORMAL` for
    /// this commit only, then back to the database's `durability`), for marks that nothing outside the process
    /// has been told about and that recovery does not rely on: a task instance going `queued` or `running`.
    ///
    /// Such a commit survives a killed process (it is in the WAL file, as every `.normal` commit is); a power cut
    /// may lose it, and only it and other unflushed marks, since the next flushed commit flushes the WAL with
    /// everything before it. Losing a `running` mark costs nothing recovery does not already do: a task that was
    /// running when the machine stopped runs again. A commit that precedes an acknowledgement (an asset event, a
    /// source's offset, a finished task) never goes through here.
    ///
    /// Saves an fsync between an asset event's commit and its consumer's first task starting.
    func writeUnflushed<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard durability == .full else { return try await pool.write(updates) }
        return try await pool.writeWithoutTransaction { db in
            try db.run("PRAGMA synchronous = NORMAL")
            let outcome = Result {
                var value: T?
                try db.inTransaction {
                    value = try updates(db)
                    return .commit
                }
                return value!
            }
            // Back to FULL whatever happened; if even that fails, the writer must not go on unflushed.
            try db.run("PRAGMA synchronous = FULL")
            return try outcome.get()
        }
    }
}
