extension EventideDatabase {
    /// Runs `body` in one write transaction of the store: committed when it returns, rolled back when it throws.
    /// For effects that go with the runtime's own state (``Deduplicator``, ``Resequencer``) or stand alone.
    public func transaction<Value: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> Value)
        async throws -> Value
    {
        try await pool.write { db in try body(StoreTransaction(db: db)) }
    }
}
