import Foundation
import GRDB

/// A durable, partitioned, append-only event log on SQLite.
///
/// - `append` returns a position only after the transaction that stored the event has committed.
/// - Offsets are dense per partition and assigned inside the write transaction, so concurrent writers
///   never share an offset.
/// - Records can be read from any offset (replay); consumer groups store their next offset per partition.
/// - An append with an idempotency key already stored returns the stored position, `duplicate: true`.
/// - In-process readers wait for appends through `appends()` instead of polling.
///
/// ```swift
/// let log = EventLog(database: database)
/// try await log.createTopic("orders", partitions: 3)
/// let appended = try await log.append(try EventEnvelope(type: "order.placed", source: "/shop", data: ["id": 7]),
///                                     to: "orders", key: "customer-42")
/// let records = try await log.read(topic: "orders", partition: appended.position.partition, from: 0)
/// ```
public final class EventLog: Sendable {
    public let database: EventideDatabase
    /// Stamps each record's `appended_at`.
    public let clock: EventideClock
    private let appended = Broadcast<LogPosition>()

    public init(database: EventideDatabase, clock: EventideClock = .system) {
        self.database = database
        self.clock = clock
    }

    // MARK: Topics

    /// Creates the topic, or checks that an existing one has the same partition count.
    public func createTopic(_ name: String, partitions: Int = 1) async throws {
        guard partitions > 0 else { throw LogError.invalidPartitionCount(topic: name, partitions: partitions) }
        try await database.pool.write { db in
            if let existing = try db.value(
                Int.self, "SELECT partitions FROM log_topic WHERE name = ?",
                arguments: [name])
            {
                guard existing == partitions else {
                    throw LogError.topicExistsWithOtherPartitionCount(
                        topic: name, existing: existing,
                        requested: partitions)
                }
                return
            }
            try db.run("INSERT INTO log_topic(name, partitions) VALUES (?, ?)", arguments: [name, partitions])
        }
    }

    public func partitionCount(of topic: String) async throws -> Int {
        try await database.pool.read { db in try Self.partitions(of: topic, db) }
    }

    static func partitions(of topic: String, _ db: Database) throws -> Int {
        guard
            let count = try db.value(
                Int.self, "SELECT partitions FROM log_topic WHERE name = ?",
                arguments: [topic])
        else { throw LogError.unknownTopic(topic) }
        return count
    }

    // MARK: Appending

    @discardableResult
    public func append(
        _ event: EventEnvelope, to topic: String, key: String? = nil,
        idempotencyKey: String? = nil
    ) async throws -> AppendResult {
        try await append([LogAppend(event, key: key, idempotencyKey: idempotencyKey)], to: topic)[0]
    }

    /// Appends every event in one transaction: all are stored, or none.
    @discardableResult
    public func append(_ batch: [LogAppend], to topic: String) async throws -> [AppendResult] {
        let now = clock.date.timeIntervalSince1970
        let results = try await database.pool.write { db in try Self.append(batch, to: topic, at: now, db) }
        for result in results where !result.duplicate { appended.publish(result.position) }
        return results
    }

    static func append(_ batch: [LogAppend], to topic: String, at now: Double, _ db: Database) throws -> [AppendResult]
    {
        let partitions = try partitions(of: topic, db)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var nextOffsets: [Int: Int] = [:]
        var results: [AppendResult] = []
        results.reserveCapacity(batch.count)
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO log_record(topic, partition, "offset", key, idempotency_key, event_id, event, appended_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for item in batch {
            if let idempotencyKey = item.idempotencyKey,
                let row = try db.row(
                    """
                    SELECT partition, "offset" FROM log_record WHERE topic = ? AND idempotency_key = ?
                    """, arguments: [topic, idempotencyKey])
            {
                results.append(
                    AppendResult(
                        position: LogPosition(topic: topic, partition: row["partition"], offset: row["offset"]),
                        duplicate: true))
                continue
            }
            let partition = Partitioner.partition(forKey: item.key ?? item.event.id, partitions: partitions)
            let offset: Int
            if let next = nextOffsets[partition] {
                offset = next
            } else {
                offset =
                    try db.value(
                        Int.self,
                        """
                        SELECT COALESCE(MAX("offset"), -1) + 1 FROM log_record WHERE topic = ? AND partition = ?
                        """, arguments: [topic, partition]) ?? 0
            }
            nextOffsets[partition] = offset + 1
            let json = String(decoding: try encoder.encode(item.event), as: UTF8.self)
            try insert.execute(arguments: [
                topic, partition, offset, item.key, item.idempotencyKey,
                item.event.id, json, now,
            ])
            results.append(
                AppendResult(
                    position: LogPosition(topic: topic, partition: partition, offset: offset),
                    duplicate: false))
        }
        return results
    }

    // MARK: Reading

    /// Up to `limit` records of one partition, from `offset` on, in offset order.
    public func read(topic: String, partition: Int, from offset: Int, limit: Int = 500) async throws -> [LogRecord] {
        try await database.pool.read { db in
            let partitions = try Self.partitions(of: topic, db)
            guard (0..<partitions).contains(partition) else {
                throw LogError.partitionOutOfRange(topic: topic, partition: partition, partitions: partitions)
            }
            let rows = try db.rows(
                """
                SELECT "offset", key, event, appended_at FROM log_record
                WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?
                """, arguments: [topic, partition, offset, limit])
            let decoder = JSONDecoder()
            return try rows.map { row in
                let position = LogPosition(topic: topic, partition: partition, offset: row["offset"])
                let text: String = row["event"]
                do {
                    let event = try decoder.decode(EventEnvelope.self, from: Data(text.utf8))
                    return LogRecord(
                        position: position, key: row["key"], event: event,
                        appendedAt: Date(timeIntervalSince1970: row["appended_at"]))
                } catch {
                    throw LogError.corruptRecord(
                        topic: topic, partition: partition, offset: position.offset,
                        reason: "\(error)")
                }
            }
        }
    }

    /// Every record of the topic, partition by partition (for replays and tests of small topics).
    public func readAll(topic: String) async throws -> [LogRecord] {
        var records: [LogRecord] = []
        for partition in 0..<(try await partitionCount(of: topic)) {
            var offset = 0
            while true {
                let page = try await read(topic: topic, partition: partition, from: offset)
                records += page
                guard let last = page.last else { break }
                offset = last.position.offset + 1
            }
        }
        return records
    }

    /// The offset the next append to this partition will get (the high watermark).
    public func endOffset(topic: String, partition: Int) async throws -> Int {
        try await database.pool.read { db in
            try db.value(
                Int.self,
                """
                SELECT COALESCE(MAX("offset"), -1) + 1 FROM log_record WHERE topic = ? AND partition = ?
                """, arguments: [topic, partition]) ?? 0
        }
    }

    // MARK: Consumer groups

    /// The next offset the group will read in this partition (0 when it never committed).
    public func committedOffset(group: String, topic: String, partition: Int) async throws -> Int {
        try await database.pool.read { db in
            try db.value(
                Int.self,
                """
                SELECT next_offset FROM log_consumer_offset WHERE consumer_group = ? AND topic = ? AND partition = ?
                """, arguments: [group, topic, partition]) ?? 0
        }
    }

    /// Records that the group has processed everything before `nextOffset`. Never moves backwards
    /// unless `allowRewind` (a deliberate replay).
    public func commit(
        group: String, topic: String, partition: Int, nextOffset: Int,
        allowRewind: Bool = false
    ) async throws {
        try await database.pool.write { db in
            try db.run(
                """
                INSERT INTO log_consumer_offset(consumer_group, topic, partition, next_offset) VALUES (?, ?, ?, ?)
                ON CONFLICT(consumer_group, topic, partition) DO UPDATE SET next_offset =
                    CASE WHEN ? THEN excluded.next_offset ELSE MAX(next_offset, excluded.next_offset) END
                """, arguments: [group, topic, partition, nextOffset, allowRewind])
        }
    }

    /// Positions of appends made through this `EventLog` from now on.
    public func appends() -> AsyncStream<LogPosition> { appended.subscribe() }
}
