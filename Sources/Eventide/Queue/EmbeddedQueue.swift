import Foundation
import GRDB

/// Queues with SQS's semantics in the embedded SQLite store, so items run offline by default:
///
/// - A received message is invisible to other receivers for the visibility timeout and comes back with a
///   higher receive count unless it is deleted in time (at-least-once).
/// - Each delivery has its own receipt; only the latest receipt deletes or releases the message.
/// - With a redrive policy, a message already received `maxReceives` times is moved to the dead-letter queue
///   instead of being delivered again (as SQS does), with the reason in its `eventide-dlq-reason` attribute.
/// - `receive(wait:)` long-polls: it returns as soon as a message is sent in this process or an in-flight one
///   becomes visible again, and never busy-polls.
///
/// Visibility timeouts and long polls are measured on the injected clock, so a test clock runs them out.
///
/// ```swift
/// let queues = EmbeddedQueue(database: database)
/// try await queues.createQueue("orders", QueueSettings(visibilityTimeout: .seconds(30)))
/// try await queues.send("orders", body: #"{"id": 1}"#)
/// for message in try await queues.receive("orders", wait: .seconds(20)) {
///     try await queues.delete("orders", receipt: message.receipt)
/// }
/// ```
public final class EmbeddedQueue: Sendable {
    /// The settings type's former name.
    public typealias Settings = QueueSettings

    public let database: EventideDatabase
    private let sent = Broadcast<String>()
    /// Stamps messages and measures visibility timeouts and long polls.
    public let clock: EventideClock
    /// Counts messages sent, received, deleted and dead-lettered, by queue (depths are sampled from the store:
    /// `RuntimeMetrics.sampleStore`).
    public let metrics: RuntimeMetrics

    public init(database: EventideDatabase, clock: EventideClock = .system, metrics: RuntimeMetrics = RuntimeMetrics())
    {
        self.database = database
        self.clock = clock
        self.metrics = metrics
    }

    private func now() -> Date { clock.date }

    // MARK: Queues

    /// Creates the queue, or checks that an existing one has the same settings.
    public func createQueue(_ name: String, _ settings: QueueSettings = QueueSettings()) async throws {
        guard QueueName.isValid(name) else { throw QueueError.invalidQueueName(name) }
        guard settings.visibilityTimeout >= .zero else {
            throw QueueError.invalidSettings(queue: name, reason: "the visibility timeout cannot be negative")
        }
        guard (settings.deadLetterQueue == nil) == (settings.maxReceives == nil), (settings.maxReceives ?? 1) >= 1
        else {
            throw QueueError.invalidSettings(
                queue: name, reason: "a redrive policy needs both a dead-letter queue and maxReceives ≥ 1")
        }
        try await database.pool.write { db in
            if let dlq = settings.deadLetterQueue, try Self.settings(of: dlq, db) == nil {
                throw QueueError.unknownQueue(dlq)
            }
            if let existing = try Self.settings(of: name, db) {
                guard existing.matches(settings) else { throw QueueError.queueExistsWithOtherSettings(name) }
                return
            }
            try db.run(
                "INSERT INTO queue(name, visibility_timeout, dead_letter_queue, max_receives) VALUES (?, ?, ?, ?)",
                arguments: [name, settings.visibilityTimeout.inSeconds, settings.deadLetterQueue, settings.maxReceives])
        }
    }

    public func settings(of name: String) async throws -> QueueSettings {
        try await database.pool.read { db in
            guard let settings = try Self.settings(of: name, db) else { throw QueueError.unknownQueue(name) }
            return settings
        }
    }

    static func settings(of name: String, _ db: Database) throws -> QueueSettings? {
        try db.row("SELECT * FROM queue WHERE name = ?", arguments: [name]).map { row in
            QueueSettings(
                visibilityTimeout: .seconds(row["visibility_timeout"] as Double),
                deadLetterQueue: row["dead_letter_queue"], maxReceives: row["max_receives"])
        }
    }

    // MARK: Messages

    /// Stores a message; returns its id once committed.
    @discardableResult
    public func send(_ queue: String, body: String, attributes: [String: String] = [:]) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let time = now().timeIntervalSince1970
        try await database.pool.write { db in
            guard try Self.settings(of: queue, db) != nil else { throw QueueError.unknownQueue(queue) }
            try Self.insert(queue: queue, id: id, body: body, attributes: attributes, sentAt: time, db)
        }
        sent.publish(queue)
        metrics.embeddedQueue(queue, .sent)
        return id
    }

    /// Up to `limit` visible messages, oldest first, each made invisible for the visibility timeout (the queue's,
    /// or `visibilityTimeout`). Waits up to `wait` for one when none is visible; returns `[]` after that or on
    /// cancellation.
    public func receive(
        _ queue: String, limit: Int = 10, visibilityTimeout: Duration? = nil,
        wait: Duration = .zero
    ) async throws -> [QueueMessage] {
        // Before the first look, so a send in between is not missed; buffered in full, as a send to another queue
        // right after this one's must not push this one's out.
        let sends = sent.subscribe()
        let deadline = now().addingTimeInterval(wait.inSeconds)
        while true {
            let (messages, nextVisible, moved) = try await receiveNow(
                queue, limit: limit, visibilityTimeout: visibilityTimeout)
            metrics.embeddedQueue(queue, .received, messages: messages.count)
            metrics.embeddedQueue(queue, .deadLettered, messages: moved)
            let time = now()
            if !messages.isEmpty || time >= deadline || Task.isCancelled { return messages }
            let until = min(deadline, nextVisible ?? deadline)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await name in sends where name == queue { return } }
                group.addTask { [clock] in
                    try? await clock.sleep(for: .seconds(max(until.timeIntervalSince(time), 0.001)))
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private func receiveNow(
        _ queue: String, limit: Int,
        visibilityTimeout: Duration?
    ) async throws -> (messages: [QueueMessage], nextVisible: Date?, moved: Int) {
        let time = now().timeIntervalSince1970
        return try await database.pool.write { db in
            guard let settings = try Self.settings(of: queue, db) else { throw QueueError.unknownQueue(queue) }
            let hidden = (visibilityTimeout ?? settings.visibilityTimeout).inSeconds
            var messages: [QueueMessage] = []
            var moved = 0
            while messages.count < max(limit, 1) {
                guard
                    let row = try db.row(
                        """
                        SELECT * FROM queue_message WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT 1
                        """, arguments: [queue, time])
                else { break }
                let seq: Int64 = row["seq"]
                let count: Int = row["receive_count"]
                if let dlq = settings.deadLetterQueue, let max = settings.maxReceives, count >= max {
                    try Self.move(
                        row, to: dlq, reason: "received \(count) times without being deleted (maxReceives \(max))",
                        at: time, db)
                    moved += 1
                    continue
                }
                let receipt = UUID().uuidString.lowercased()
                try db.run(
                    "UPDATE queue_message SET visible_at = ?, receive_count = ?, receipt = ? WHERE seq = ?",
                    arguments: [time + hidden, count + 1, receipt, seq])
                messages.append(
                    QueueMessage(
                        messageId: row["message_id"], receipt: receipt, body: row["body"],
                        attributes: try Self.attributes(row["attributes"]), receiveCount: count + 1,
                        sentAt: Date(timeIntervalSince1970: row["sent_at"])))
            }
            let next = try db.value(
                Double.self, "SELECT MIN(visible_at) FROM queue_message WHERE queue = ?",
                arguments: [queue])
            return (messages, next.map(Date.init(timeIntervalSince1970:)), moved)
        }
    }

    /// Deletes a received message. Returns false when the receipt is no longer the latest (the visibility timeout
    /// ran out and the message was received again): the message stays for its current receiver.
    @discardableResult
    public func delete(_ queue: String, receipt: String) async throws -> Bool {
        let deleted = try await database.pool.write { db in
            try db.run("DELETE FROM queue_message WHERE queue = ? AND receipt = ?", arguments: [queue, receipt])
            return db.changesCount == 1
        }
        if deleted { metrics.embeddedQueue(queue, .deleted) }
        return deleted
    }

    /// Makes a received message visible again after `after` (zero: at once, a nack).
    @discardableResult
    public func release(_ queue: String, receipt: String, after: Duration = .zero) async throws -> Bool {
        let visibleAt = now().addingTimeInterval(after.inSeconds).timeIntervalSince1970
        let changed = try await database.pool.write { db in
            try db.run(
                "UPDATE queue_message SET visible_at = ? WHERE queue = ? AND receipt = ?",
                arguments: [visibleAt, queue, receipt])
            return db.changesCount == 1
        }
        if changed { sent.publish(queue) }
        return changed
    }

    /// Moves a received message to the queue's dead-letter queue with the reason (or deletes it when the queue
    /// has none). Returns false when the receipt is no longer the latest.
    @discardableResult
    public func deadLetter(_ queue: String, receipt: String, reason: String) async throws -> Bool {
        let time = now().timeIntervalSince1970
        let moved = try await database.pool.write { db -> String?? in
            guard let settings = try Self.settings(of: queue, db) else { throw QueueError.unknownQueue(queue) }
            guard
                let row = try db.row(
                    "SELECT * FROM queue_message WHERE queue = ? AND receipt = ?",
                    arguments: [queue, receipt])
            else { return .none }
            guard let dlq = settings.deadLetterQueue else {
                try db.run("DELETE FROM queue_message WHERE seq = ?", arguments: [row["seq"] as Int64])
                return .some(nil)
            }
            try Self.move(row, to: dlq, reason: reason, at: time, db)
            return .some(dlq)
        }
        if case .some(.some(let dlq)) = moved { sent.publish(dlq) }
        if moved != nil { metrics.embeddedQueue(queue, .deadLettered) }
        return moved != nil
    }

    /// Visible and in-flight (received, not yet deleted) message counts.
    public func counts(_ queue: String) async throws -> (visible: Int, inFlight: Int) {
        let time = now().timeIntervalSince1970
        return try await database.pool.read { db in
            guard try Self.settings(of: queue, db) != nil else { throw QueueError.unknownQueue(queue) }
            let visible =
                try db.value(
                    Int.self, "SELECT COUNT(*) FROM queue_message WHERE queue = ? AND visible_at <= ?",
                    arguments: [queue, time]) ?? 0
            let all =
                try db.value(Int.self, "SELECT COUNT(*) FROM queue_message WHERE queue = ?", arguments: [queue]) ?? 0
            return (visible, all - visible)
        }
    }

    // MARK: Rows

    static func insert(
        queue: String, id: String, body: String, attributes: [String: String], sentAt: Double,
        _ db: Database
    ) throws {
        try db.run(
            """
            INSERT INTO queue_message(queue, message_id, body, attributes, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)
            """,
            arguments: [
                queue, id, body, JSONValue.object(attributes.mapValues(JSONValue.string)).jsonText,
                sentAt, sentAt,
            ])
    }

    /// Moves a message to `dlq` in the same transaction, keeping its id, with the reason and source queue.
    static func move(_ row: Row, to dlq: String, reason: String, at time: Double, _ db: Database) throws {
        var attributes = try Self.attributes(row["attributes"])
        attributes["eventide-dlq-reason"] = reason
        attributes["eventide-dlq-source"] = row["queue"]
        try db.run("DELETE FROM queue_message WHERE seq = ?", arguments: [row["seq"] as Int64])
        try insert(queue: dlq, id: row["message_id"], body: row["body"], attributes: attributes, sentAt: time, db)
    }

    static func attributes(_ text: String) throws -> [String: String] {
        (try JSONValue.parse(text).objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
