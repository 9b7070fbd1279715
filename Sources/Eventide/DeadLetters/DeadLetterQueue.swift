import Foundation
import GRDB

/// The runtime's dead-letter queue, in the same SQLite store as the asset events: a message that cannot be
/// processed is kept here with its reason (durably, before its source is told to forget it), listed for
/// inspection, edited, and redriven or discarded on request (`DeadLetterQueue+Intervention.swift`; the
/// `eventide-dlq` tool and the web console do it for an operator). `DeadLetterPolicy` fills it with categorised
/// failures and retries letters from it.
///
/// ```swift
/// let dlq = orchestrator.triggerer.deadLetters          // where a watcher's refused events go
/// for letter in try await dlq.list(source: "orders_watcher") { print(letter.reason) }
/// try await dlq.markRedriven(letters.map(\.id))        // after publishing them again
/// ```
///
/// Dead letters are deduplicated by the source's message id: a source that delivers a message again because the
/// process died after the dead letter was committed but before the source was told to reject it gets the same
/// dead letter back, not a second one (until that one is redriven).
public struct DeadLetterQueue: Sendable {
    public let database: EventideDatabase
    /// Stamps `deadLetteredAt` and `redrivenAt`.
    public let clock: EventideClock
    /// Counts dead letters kept and redriven, by source.
    public let metrics: RuntimeMetrics

    public init(database: EventideDatabase, clock: EventideClock = .system, metrics: RuntimeMetrics = RuntimeMetrics())
    {
        self.database = database
        self.clock = clock
        self.metrics = metrics
    }

    /// Stores a dead letter, stamped `time` or the clock's date; returns it once committed. When `source` already
    /// holds a waiting dead letter with this `messageId`, returns that one and stores nothing.
    ///
    /// `category`, `errorType` and `firstFailedAt` are what a categorising consumer knows (`DeadLetterPolicy`
    /// passes them); the last failure is stamped `time`.
    @discardableResult
    public func add(
        source: String, messageId: String?, payload: JSONValue, reason: String,
        attempts: Int? = nil, at time: Date? = nil, category: FailureCategory? = nil, errorType: String? = nil,
        firstFailedAt: Date? = nil
    ) async throws -> DeadLetter {
        let time = time ?? clock.date
        let (letter, isNew) = try await database.pool.write { db -> (DeadLetter, Bool) in
            if let messageId,
                let existing = try db.row(
                    """
                    SELECT * FROM dead_letter WHERE source = ? AND message_id = ? AND redriven_at IS NULL
                    AND discarded_at IS NULL ORDER BY id LIMIT 1
                    """, arguments: [source, messageId])
            {
                return (try Self.deadLetter(existing), false)
            }
            try db.run(
                """
                INSERT INTO dead_letter(source, message_id, payload, reason, attempts, dead_lettered_at, category,
                    error_type, first_failed_at, last_failed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                arguments: [
                    source, messageId, payload.jsonText, reason, attempts, time.timeIntervalSince1970,
                    category?.rawValue, errorType, firstFailedAt?.timeIntervalSince1970,
                    category == nil ? nil : time.timeIntervalSince1970,
                ])
            var letter = DeadLetter(
                id: db.lastInsertedRowID, source: source, messageId: messageId, payload: payload,
                reason: reason, attempts: attempts, deadLetteredAt: time, redrivenAt: nil)
            letter.category = category
            letter.errorType = errorType
            letter.firstFailedAt = firstFailedAt
            letter.lastFailedAt = category == nil ? nil : time
            return (letter, true)
        }
        if isNew { metrics.deadLettered(source: source) }
        return letter
    }

    /// Dead letters, oldest first; by default only those waiting (neither redriven nor discarded), with
    /// `includingRedriven` every letter, whatever its state.
    public func list(source: String? = nil, includingRedriven: Bool = false) async throws -> [DeadLetter] {
        try await database.pool.read { db in
            try db.rows(
                """
                SELECT * FROM dead_letter
                WHERE (?1 IS NULL OR source = ?1) AND (?2 OR (redriven_at IS NULL AND discarded_at IS NULL))
                ORDER BY id
                """, arguments: [source, includingRedriven]
            ).map(Self.deadLetter)
        }
    }

    /// Marks dead letters as handed back (the caller re-publishes them); returns those that were waiting.
    @discardableResult
    public func markRedriven(_ ids: [Int64], at time: Date? = nil) async throws -> [DeadLetter] {
        let time = time ?? clock.date
        let redriven = try await database.pool.write { db in
            var redriven: [DeadLetter] = []
            for id in ids {
                guard
                    let row = try db.row(
                        "SELECT * FROM dead_letter WHERE id = ? AND redriven_at IS NULL AND discarded_at IS NULL",
                        arguments: [id])
                else { continue }
                try db.run(
                    "UPDATE dead_letter SET redriven_at = ? WHERE id = ?",
                    arguments: [time.timeIntervalSince1970, id])
                redriven.append(try Self.deadLetter(row))
            }
            return redriven
        }
        metrics.redriven(redriven)
        return redriven
    }

    static func deadLetter(_ row: Row) throws -> DeadLetter {
        let date = { (column: String) in (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        var letter = DeadLetter(
            id: row["id"], source: row["source"], messageId: row["message_id"],
            payload: try JSONValue.parse(row["payload"] as String), reason: row["reason"],
            attempts: row["attempts"],
            deadLetteredAt: Date(timeIntervalSince1970: row["dead_lettered_at"]),
            redrivenAt: date("redriven_at"))
        letter.category = (row["category"] as String?).flatMap(FailureCategory.init(rawValue:))
        letter.errorType = row["error_type"]
        letter.firstFailedAt = date("first_failed_at")
        letter.lastFailedAt = date("last_failed_at")
        letter.originalPayload = try (row["original_payload"] as String?).map(JSONValue.parse)
        letter.editedAt = date("edited_at")
        letter.discardedAt = date("discarded_at")
        letter.discardReason = row["discard_reason"]
        return letter
    }
}
