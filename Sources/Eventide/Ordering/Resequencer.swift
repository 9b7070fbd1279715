import Foundation
import GRDB

/// Restores each key's order from events that arrive out of order, duplicated or with gaps, keeping its buffer in
/// the store so a restart in the middle loses nothing.
///
/// The decisions are ``ResequencingBuffer``'s; this type loads the state of the keys an operation touches from the
/// store (`ordering_key`, `ordering_buffer`, `ordering_gap`), decides, and writes the state back in one transaction
/// together with the caller's effect on the released events (`apply`). So an event is either still waiting, or
/// released and applied — never released and lost by a crash. A consumer that commits its source's offset after
/// ``accept(_:apply:)`` returns gets each event again after a crash, and the resequencer answers `duplicate` or
/// `late` for those it already took.
///
/// Dead letters (``ResequencingPolicy/GapAction/deadLetter``) go to `deadLetters` with the message id
/// `<key>#<sequence>` BEFORE the state that drops them from the buffer commits: the queue keeps one letter per
/// message id, so a crash in between dead-letters them again, once.
///
/// One resequencer per `scope`, called by one consumer at a time (a partition's consumer): it is an actor, and two
/// instances on one scope would race.
///
/// ```swift
/// let resequencer = Resequencer(database: database, scope: "accounts",
///                               policy: try ResequencingPolicy(capacity: 64, timeout: .seconds(5), onGap: .skip))
/// let outputs = try await resequencer.accept(event) { tx, released in
///     for event in released { try tx.execute("UPDATE account SET balance = ? WHERE id = ?", arguments: […]) }
/// }
/// let expired = try await resequencer.expire { tx, released in … }     // when nextDeadline() has passed
/// ```
public actor Resequencer {
    public typealias Apply = @Sendable (StoreTransaction, [SequencedEvent]) throws -> Void

    public nonisolated let database: EventideDatabase
    public nonisolated let scope: String
    public nonisolated let policy: ResequencingPolicy
    public nonisolated let clock: EventideClock
    public nonisolated let deadLetters: DeadLetterQueue

    public init(
        database: EventideDatabase, scope: String, policy: ResequencingPolicy, clock: EventideClock = .system,
        deadLetters: DeadLetterQueue? = nil
    ) {
        self.database = database
        self.scope = scope
        self.policy = policy
        self.clock = clock
        self.deadLetters = deadLetters ?? DeadLetterQueue(database: database, clock: clock)
    }

    /// The dead-letter source name of this resequencer's letters.
    public nonisolated var deadLetterSource: String { "resequencer/\(scope)" }

    /// Takes one event; `apply` runs on the events released, in order, in the transaction that stores the buffer.
    @discardableResult
    public func accept(_ event: SequencedEvent, apply: @escaping Apply = { _, _ in }) async throws
        -> [ResequencerOutput]
    {
        let date = clock.date
        return try await decide(keys: [event.key], apply: apply) { buffer in try buffer.accept(event, at: date) }
    }

    /// Gives up the gaps that waited `policy.timeout`; `apply` runs on what that releases.
    @discardableResult
    public func expire(apply: @escaping Apply = { _, _ in }) async throws -> [ResequencerOutput] {
        let date = clock.date
        let keys = try await database.pool.read { [scope] db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT key FROM ordering_buffer WHERE scope = ? ORDER BY key", arguments: [scope])
        }
        return try await decide(keys: keys, apply: apply) { buffer in buffer.expire(at: date) }
    }

    /// The stored state of every key of the scope.
    public func state() async throws -> ResequencingBuffer {
        try await database.pool.read { [scope, policy] db in
            let keys = try String.fetchAll(
                db, sql: "SELECT key FROM ordering_key WHERE scope = ? ORDER BY key", arguments: [scope])
            return try Self.load(keys, scope: scope, policy: policy, db)
        }
    }

    /// When the oldest waiting event times out, `nil` when nothing waits.
    public func nextDeadline() async throws -> Date? { try await state().nextDeadline }

    private func decide(
        keys: [String], apply: @escaping Apply,
        _ step: @escaping @Sendable (inout ResequencingBuffer) throws -> [ResequencerOutput]
    ) async throws -> [ResequencerOutput] {
        let (scope, policy) = (scope, policy)
        // Dead letters first (idempotent by message id), then the state that no longer holds them.
        let preview = try await database.pool.read { db in
            var buffer = try Self.load(keys, scope: scope, policy: policy, db)
            return try step(&buffer)
        }
        try await deadLetter(preview)
        let outputs = try await database.pool.write { db in
            var buffer = try Self.load(keys, scope: scope, policy: policy, db)
            let outputs = try step(&buffer)
            for key in keys { try Self.save(key, buffer.keys[key] ?? .init(), scope: scope, db) }
            let released = outputs.compactMap { if case .released(let event) = $0 { event } else { nil } }
            if !released.isEmpty { try apply(StoreTransaction(db: db), released) }
            return outputs
        }
        if outputs != preview { try await deadLetter(outputs) }
        return outputs
    }

    private func deadLetter(_ outputs: [ResequencerOutput]) async throws {
        for case .deadLettered(let event, let gap) in outputs {
            try await deadLetters.add(
                source: deadLetterSource, messageId: "\(event.key)#\(event.sequence)",
                payload: [
                    "key": .string(event.key), "sequence": .number(Double(event.sequence)), "payload": event.payload,
                ],
                reason:
                    "sequence \(gap.missing.lowerBound)…\(gap.missing.upperBound) of key \(event.key) never arrived "
                    + "(\(gap.reason.rawValue)); this event follows it")
        }
    }

    static func load(_ keys: [String], scope: String, policy: ResequencingPolicy, _ db: Database) throws
        -> ResequencingBuffer
    {
        var buffer = ResequencingBuffer(policy: policy)
        for key in keys {
            var state = ResequencingBuffer.KeyState()
            state.next =
                try db.value(
                    Int.self, "SELECT next_seq FROM ordering_key WHERE scope = ? AND key = ?", arguments: [scope, key])
                ?? 1
            for row in try db.rows(
                "SELECT seq, payload, arrived_at FROM ordering_buffer WHERE scope = ? AND key = ?",
                arguments: [scope, key])
            {
                let sequence: Int = row["seq"]
                let event = SequencedEvent(key: key, sequence: sequence, payload: try JSONValue.parse(row["payload"]))
                state.waiting[sequence] = .init(event: event, arrivedAt: Date(timeIntervalSince1970: row["arrived_at"]))
            }
            state.givenUp = try db.rows(
                "SELECT first, last FROM ordering_gap WHERE scope = ? AND key = ? ORDER BY first",
                arguments: [scope, key]
            ).map { row in (row["first"] as Int)...(row["last"] as Int) }
            buffer.keys[key] = state
        }
        return buffer
    }

    static func save(_ key: String, _ state: ResequencingBuffer.KeyState, scope: String, _ db: Database) throws {
        try db.run(
            """
            INSERT INTO ordering_key(scope, key, next_seq) VALUES (?, ?, ?)
            ON CONFLICT(scope, key) DO UPDATE SET next_seq = excluded.next_seq
            """, arguments: [scope, key, state.next])
        try db.run("DELETE FROM ordering_buffer WHERE scope = ? AND key = ?", arguments: [scope, key])
        for (sequence, waiting) in state.waiting {
            try db.run(
                "INSERT INTO ordering_buffer(scope, key, seq, payload, arrived_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    scope, key, sequence, waiting.event.payload.jsonText, waiting.arrivedAt.timeIntervalSince1970,
                ])
        }
        try db.run("DELETE FROM ordering_gap WHERE scope = ? AND key = ?", arguments: [scope, key])
        for range in state.givenUp {
            try db.run(
                "INSERT INTO ordering_gap(scope, key, first, last) VALUES (?, ?, ?, ?)",
                arguments: [scope, key, range.lowerBound, range.upperBound])
        }
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-ordering") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ordering_sequence (
                        scope TEXT NOT NULL, key TEXT NOT NULL, last INTEGER NOT NULL,
                        PRIMARY KEY (scope, key)) WITHOUT ROWID;
                    CREATE TABLE ordering_key (
                        scope TEXT NOT NULL, key TEXT NOT NULL, next_seq INTEGER NOT NULL,
                        PRIMARY KEY (scope, key)) WITHOUT ROWID;
                    CREATE TABLE ordering_buffer (
                        scope TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
                        payload TEXT NOT NULL, arrived_at REAL NOT NULL,
                        PRIMARY KEY (scope, key, seq)) WITHOUT ROWID;
                    CREATE TABLE ordering_gap (
                        scope TEXT NOT NULL, key TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
                        PRIMARY KEY (scope, key, first)) WITHOUT ROWID;
                    """)
        }
    }
}
