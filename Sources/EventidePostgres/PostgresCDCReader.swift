import Eventide
import Foundation
import Logging
import PostgresNIO

/// Copies a wal2json slot's changes into a topic of the durable event log, at-least-once and without duplicates:
/// peek a bounded batch, decode it, append it to the log in one transaction with an idempotency key per change
/// (`<slot>:<lsn>/<xid>/<index>`), and only then advance the slot.
///
/// A reader that stops after the append and before the advance reads the batch again next time; the log then
/// stores nothing new (the keys are known). One that stops before the append loses nothing either: the slot
/// still holds the changes. Each log event is a CloudEvent of type `postgres.change.<operation>` (subject
/// `schema.table`) or `postgres.outbox` (subject: the message's prefix) whose `data` is the `ChangeEvent`,
/// keyed by its subject so one table's changes stay in order within a partition.
public actor PostgresCDCReader {
    /// What one `poll()` did.
    public struct PollResult: Sendable, Hashable {
        /// Changes in the batch (after the table filter).
        public var changes = 0
        /// Of those, newly stored in the log.
        public var stored = 0
        /// Of those, already in the log (a re-delivery after a stop between append and advance).
        public var duplicates = 0
        /// Where the slot was advanced to; `nil` when the batch was empty.
        public var advancedTo: LSN?
    }

    public nonisolated let endpoint: PostgresEndpoint
    public nonisolated let slotName: String
    public nonisolated let tables: [String]
    public nonisolated let messagePrefixes: [String]
    public nonisolated let batchSize: Int
    public nonisolated let log: EventLog
    public nonisolated let topic: String
    private let logger: Logger
    private let decoder = Wal2JSONDecoder()
    private var slot: LogicalSlot?

    /// - Parameters:
    ///   - tables: `schema.table` names to capture; all tables when empty.
    ///   - messagePrefixes: outbox prefixes to capture; all when empty.
    ///   - batchSize: about how many rows one peek returns (Postgres stops at the first commit past it).
    public init(
        endpoint: PostgresEndpoint, slot: String, tables: [String] = [], messagePrefixes: [String] = [],
        batchSize: Int = 1000,
        log: EventLog, topic: String, logger: Logger = PostgresEndpoint.quietLogger
    ) {
        self.endpoint = endpoint
        self.slotName = slot
        self.tables = tables
        self.messagePrefixes = messagePrefixes
        self.batchSize = max(1, batchSize)
        self.log = log
        self.topic = topic
        self.logger = logger
    }

    deinit { slot?.closeInBackground() }

    /// Connects and creates the slot if it is missing (changes committed before it exists are not captured).
    public func open() async throws(CDCError) {
        _ = try await openSlot()
    }

    private func openSlot() async throws(CDCError) -> LogicalSlot {
        if let slot { return slot }
        let slot = try await LogicalSlot.open(slotName, at: endpoint, logger: logger)
        self.slot = slot
        return slot
    }

    /// Peeks and decodes the next batch; the slot does not move.
    public func readBatch() async throws(CDCError) -> Wal2JSONDecoder.Batch {
        let slot = try await openSlot()
        do throws(CDCError) {
            return try decoder.decode(
                try await slot.peek(
                    limit: batchSize,
                    options: Wal2JSONDecoder.pluginOptions(tables: tables, messagePrefixes: messagePrefixes)))
        } catch {
            await dropConnectionIfBroken(error)
            throw error
        }
    }

    /// Appends the batch's changes to the log in one transaction; changes stored before are reported duplicate.
    @discardableResult
    public func store(_ batch: Wal2JSONDecoder.Batch) async throws -> [AppendResult] {
        guard !batch.changes.isEmpty else { return [] }
        let appends = try batch.changes.map { change in
            LogAppend(
                try envelope(for: change), key: change.qualifiedTable ?? change.message?.prefix,
                idempotencyKey: "\(slotName):\(change.id)")
        }
        return try await log.append(appends, to: topic)
    }

    /// Lets the server forget the batch: call only once `store` returned.
    @discardableResult
    public func advance(past batch: Wal2JSONDecoder.Batch) async throws(CDCError) -> LSN? {
        guard let resume = batch.resumeLSN else { return nil }
        let slot = try await openSlot()
        do throws(CDCError) {
            return try await slot.advance(to: resume)
        } catch {
            await dropConnectionIfBroken(error)
            throw error
        }
    }

    /// One bounded step: read a batch, store it, advance past it.
    public func poll() async throws -> PollResult {
        let batch = try await readBatch()
        let results = try await store(batch)
        var result = PollResult(changes: batch.changes.count)
        result.duplicates = results.filter(\.duplicate).count
        result.stored = results.count - result.duplicates
        result.advancedTo = try await advance(past: batch)
        return result
    }

    /// Polls until a batch comes back empty or `maxBatches` were read; returns the totals.
    public func drain(maxBatches: Int = 1000) async throws -> PollResult {
        var total = PollResult()
        for _ in 0..<maxBatches {
            let step = try await poll()
            guard step.advancedTo != nil else { break }
            total.changes += step.changes
            total.stored += step.stored
            total.duplicates += step.duplicates
            total.advancedTo = step.advancedTo
        }
        return total
    }

    /// The slot's confirmed position (what the server would re-deliver from).
    public func confirmedLSN() async throws(CDCError) -> LSN? {
        try await openSlot().confirmedLSN()
    }

    /// Closes the connection (the slot stays, with its position).
    public func close() async {
        let connection = slot?.connection
        slot = nil
        try? await connection?.close()
    }

    /// Closes the connection and drops the slot, so the server stops keeping WAL for it.
    public func dropSlot() async throws(CDCError) {
        try await openSlot().drop()
        await close()
    }

    private func dropConnectionIfBroken(_ error: CDCError) async {
        if case .unreachable = error { await close() }
    }

    /// The log event for a change.
    public nonisolated func envelope(for change: ChangeEvent) throws -> EventEnvelope {
        let isMessage = change.operation == .message
        return try EventEnvelope(
            id: "\(slotName):\(change.id)",
            type: isMessage ? "postgres.outbox" : "postgres.change.\(change.operation.rawValue)",
            source: "\(endpoint)/\(slotName)",
            subject: change.qualifiedTable ?? change.message?.prefix,
            time: change.committedAt ?? Date(),
            data: change.json)
    }
}
