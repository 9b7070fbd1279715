import Foundation
import GRDB

/// What an operator (or a retry after a fix) does with one letter: inspect it, edit its event, discard it, and
/// record a retry from the queue that failed again. Each refuses a letter that is not waiting with
/// `DeadLetterError`.
extension DeadLetterQueue {
    /// The letter with this id, whatever its state.
    public func letter(_ id: Int64) async throws -> DeadLetter {
        try await database.pool.read { db in try Self.existing(id, db) }
    }

    /// Replaces a waiting letter's payload with `payload` (e.g. a corrected field), keeping the event as it was
    /// dead-lettered in `originalPayload` (the first edit saves it; later edits keep it).
    @discardableResult
    public func edit(_ id: Int64, payload: JSONValue, at time: Date? = nil) async throws -> DeadLetter {
        let time = time ?? clock.date
        return try await database.pool.write { db in
            _ = try Self.waiting(id, db)
            try db.run(
                """
                UPDATE dead_letter SET original_payload = COALESCE(original_payload, payload), payload = ?,
                    edited_at = ?
                WHERE id = ?
                """, arguments: [payload.jsonText, time.timeIntervalSince1970, id])
            return try Self.existing(id, db)
        }
    }

    /// Gives up on waiting letters for good, with the operator's reason: they leave the queue and stay as a
    /// record (`list(includingRedriven: true)`). All or nothing: an id that is not waiting refuses the whole call.
    @discardableResult
    public func discard(_ ids: [Int64], reason: String, at time: Date? = nil) async throws -> [DeadLetter] {
        let time = time ?? clock.date
        return try await database.pool.write { db in
            for id in ids { _ = try Self.waiting(id, db) }
            return try ids.map { id in
                try db.run(
                    "UPDATE dead_letter SET discarded_at = ?, discard_reason = ? WHERE id = ?",
                    arguments: [time.timeIntervalSince1970, reason, id])
                return try Self.existing(id, db)
            }
        }
    }

    /// Records a retry from the queue that failed again: the letter stays waiting with this failure's reason,
    /// category and error type, `extraAttempts` more attempts and the last failure stamped `time`.
    @discardableResult
    public func recordFailedRetry(
        _ id: Int64, reason: String, category: FailureCategory?, errorType: String?, extraAttempts: Int,
        at time: Date? = nil
    ) async throws -> DeadLetter {
        let time = time ?? clock.date
        return try await database.pool.write { db in
            _ = try Self.waiting(id, db)
            try db.run(
                """
                UPDATE dead_letter SET reason = ?, category = COALESCE(?, category),
                    error_type = COALESCE(?, error_type), attempts = COALESCE(attempts, 0) + ?, last_failed_at = ?
                WHERE id = ?
                """,
                arguments: [reason, category?.rawValue, errorType, extraAttempts, time.timeIntervalSince1970, id])
            return try Self.existing(id, db)
        }
    }

    static func existing(_ id: Int64, _ db: Database) throws -> DeadLetter {
        guard let row = try db.row("SELECT * FROM dead_letter WHERE id = ?", arguments: [id]) else {
            throw DeadLetterError.notFound(id: id)
        }
        return try deadLetter(row)
    }

    static func waiting(_ id: Int64, _ db: Database) throws -> DeadLetter {
        let letter = try existing(id, db)
        guard letter.state == .waiting else { throw DeadLetterError.notWaiting(id: id, state: letter.state) }
        return letter
    }
}
