import Foundation
import GRDB
import Synchronization

/// Remembers which keys were already processed, in the SQLite store, so at-least-once delivery has
/// effectively-once effects — across restarts, within a bounded window.
///
/// ``process(_:effect:)`` records the key and runs the effect in ONE write transaction: either both commit or
/// neither does. A crash before the commit leaves no key, so the redelivery applies the effect; a crash after it
/// leaves both, so the redelivery is skipped. (Recording the key first and applying the effect afterwards loses
/// the effect on a crash in between; applying first and recording afterwards applies it twice.)
///
/// Keys live in `dedup_key`, per `scope` (one consumer, one window), with their first-seen and expiry dates from
/// `clock`. A reopened store keeps them: a duplicate of a key recorded before a restart is still a duplicate.
///
/// ```swift
/// let window = try DeduplicationWindow(timeToLive: .seconds(3_600), capacity: 100_000, whenFull: .evictOldest)
/// let payments = Deduplicator(database: database, scope: "payments", window: window)
/// let result = try await payments.process(event, key: .field("payment_id")) { tx in
///     try tx.execute("INSERT INTO charge(payment_id, amount) VALUES (?, ?)", arguments: [id, amount])
/// }
/// ```
///
/// The triggerer's watcher deduplication (a unique index on the source's message id in `asset_event`) is the
/// special case of this: key = message id, an unbounded window, effect = recording the asset event.
public final class Deduplicator: Sendable {
    /// Decisions since this instance was made (not persisted: a restart starts them at zero).
    public struct Counts: Sendable, Hashable, Codable {
        public var new: Int, duplicates: Int, evicted: Int, expired: Int, refused: Int

        public init(new: Int = 0, duplicates: Int = 0, evicted: Int = 0, expired: Int = 0, refused: Int = 0) {
            (self.new, self.duplicates, self.evicted, self.expired, self.refused) =
                (new, duplicates, evicted, expired, refused)
        }
    }

    public let database: EventideDatabase
    public let scope: String
    public let window: DeduplicationWindow
    public let clock: EventideClock
    private let tally = Mutex(Counts())

    public init(database: EventideDatabase, scope: String, window: DeduplicationWindow, clock: EventideClock = .system)
    {
        self.database = database
        self.scope = scope
        self.window = window
        self.clock = clock
    }

    public var counts: Counts { tally.withLock { $0 } }

    /// Records `key` if it is not in the window (``DeduplicationDecision/new(evicted:)``) or reports the entry
    /// that makes this delivery a duplicate. Throws ``DeduplicationError/windowFull(scope:capacity:)`` when the
    /// window is full and refuses new keys.
    public func check(_ key: String) async throws -> DeduplicationDecision {
        switch try await process(key, effect: { _ in }) {
        case .applied(_, let evicted): .new(evicted: evicted)
        case .skipped(let entry): .duplicate(of: entry)
        }
    }

    /// Runs `effect` and records `key` in one transaction, unless `key` is already in the window. An effect that
    /// throws rolls the key back with it: the redelivery gets another try.
    public func process<Value: Sendable>(
        _ key: String, effect: @escaping @Sendable (StoreTransaction) throws -> Value
    ) async throws -> DeduplicatedEffect<Value> {
        let now = clock.date.timeIntervalSince1970
        let (scope, window) = (scope, window)
        let result: (DeduplicatedEffect<Value>, expired: Int)
        do {
            result = try await database.pool.write { db in
                try Self.decide(key, scope: scope, window: window, now: now, db, effect: effect)
            }
        } catch let error as DeduplicationError {
            if case .windowFull = error { tally.withLock { $0.refused += 1 } }
            throw error
        }
        tally.withLock { counts in
            counts.expired += result.expired
            switch result.0 {
            case .applied(_, let evicted):
                counts.new += 1
                counts.evicted += evicted.count
            case .skipped: counts.duplicates += 1
            }
        }
        return result.0
    }

    /// ``process(_:effect:)`` with the key `idempotencyKey` derives from `event`.
    public func process<Value: Sendable>(
        _ event: EventEnvelope, key idempotencyKey: IdempotencyKey,
        effect: @escaping @Sendable (StoreTransaction) throws -> Value
    ) async throws -> DeduplicatedEffect<Value> {
        try await process(try idempotencyKey.key(for: event), effect: effect)
    }

    /// A transaction without a key, for what is not deduplicated: creating the effect's tables, reading them.
    public func write<Value: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> Value)
        async throws -> Value
    {
        try await database.pool.write { db in try body(StoreTransaction(db: db)) }
    }

    /// Whether `key` is in the window now, without recording it (for consumers that record the key themselves).
    public func contains(_ key: String) async throws -> Bool {
        let now = clock.date.timeIntervalSince1970
        return try await database.pool.read { [scope] db in
            try db.value(
                Int.self, "SELECT 1 FROM dedup_key WHERE scope = ? AND key = ? AND expires_at > ?",
                arguments: [scope, key, now]) != nil
        }
    }

    /// The keys in the window now (expired ones excluded), oldest first.
    public func entries() async throws -> [DeduplicationEntry] {
        let now = clock.date.timeIntervalSince1970
        return try await database.pool.read { [scope] db in
            try db.rows(
                "SELECT * FROM dedup_key WHERE scope = ? AND expires_at > ? ORDER BY seq", arguments: [scope, now]
            ).map(Self.entry)
        }
    }

    static func decide<Value>(
        _ key: String, scope: String, window: DeduplicationWindow, now: Double, _ db: Database,
        effect: (StoreTransaction) throws -> Value
    ) throws -> (DeduplicatedEffect<Value>, expired: Int) {
        try db.run("DELETE FROM dedup_key WHERE scope = ? AND expires_at <= ?", arguments: [scope, now])
        let expired = db.changesCount
        if let row = try db.row("SELECT * FROM dedup_key WHERE scope = ? AND key = ?", arguments: [scope, key]) {
            try db.run(
                "UPDATE dedup_key SET duplicates = duplicates + 1 WHERE scope = ? AND key = ?", arguments: [scope, key])
            return (.skipped(duplicateOf: try entry(row)), expired)
        }
        var evicted: [String] = []
        let live = try db.value(Int.self, "SELECT COUNT(*) FROM dedup_key WHERE scope = ?", arguments: [scope]) ?? 0
        if live >= window.capacity {
            guard window.whenFull == .evictOldest else {
                throw DeduplicationError.windowFull(scope: scope, capacity: window.capacity)
            }
            evicted = try String.fetchAll(
                db, sql: "SELECT key FROM dedup_key WHERE scope = ? ORDER BY seq LIMIT ?",
                arguments: [scope, live - window.capacity + 1])
            for old in evicted {
                try db.run("DELETE FROM dedup_key WHERE scope = ? AND key = ?", arguments: [scope, old])
            }
        }
        let value = try effect(StoreTransaction(db: db))
        try db.run(
            """
            INSERT INTO dedup_key(scope, key, seq, first_seen_at, expires_at)
            VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM dedup_key WHERE scope = ?1), ?3, ?4)
            """, arguments: [scope, key, now, now + window.timeToLive.inSeconds])
        return (.applied(value, evicted: evicted), expired)
    }

    static func entry(_ row: Row) throws -> DeduplicationEntry {
        DeduplicationEntry(
            key: row["key"], firstSeenAt: Date(timeIntervalSince1970: row["first_seen_at"]),
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]), duplicates: row["duplicates"])
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-deduplication") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dedup_key (
                        scope TEXT NOT NULL,
                        key TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        first_seen_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        duplicates INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (scope, key)) WITHOUT ROWID;
                    CREATE INDEX dedup_key_expiry ON dedup_key(scope, expires_at);
                    CREATE UNIQUE INDEX dedup_key_age ON dedup_key(scope, seq);
                    """)
        }
    }
}
