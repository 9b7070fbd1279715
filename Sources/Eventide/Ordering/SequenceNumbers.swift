import GRDB

/// The producer's side of ordering: numbers each key's events 1, 2, 3, … durably (`ordering_sequence`), so a
/// restarted producer continues where it stopped instead of starting again at 1.
///
/// ```swift
/// let numbers = SequenceNumbers(database: database, scope: "accounts")
/// let sequence = try await numbers.next(for: "acct-7")     // 1, then 2, …
/// ```
public struct SequenceNumbers: Sendable {
    public let database: EventideDatabase
    public let scope: String

    public init(database: EventideDatabase, scope: String) {
        self.database = database
        self.scope = scope
    }

    /// The next number of `key`, committed before it is returned.
    public func next(for key: String) async throws -> Int {
        try await database.pool.write { [scope] db in
            try db.run(
                """
                INSERT INTO ordering_sequence(scope, key, last) VALUES (?, ?, 1)
                ON CONFLICT(scope, key) DO UPDATE SET last = last + 1
                """, arguments: [scope, key])
            return try db.value(
                Int.self, "SELECT last FROM ordering_sequence WHERE scope = ? AND key = ?", arguments: [scope, key])
                ?? 1
        }
    }
}
