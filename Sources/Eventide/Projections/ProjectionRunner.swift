import Foundation
import GRDB

/// Keeps a ``Projection``'s view up to date with an ``EventStore``, from its checkpoint.
///
/// - Each batch is one write transaction: read the checkpoint, apply the events after it, store the new
///   checkpoint. A crash at any point leaves the view and the checkpoint as the last commit left them, so no event
///   is ever applied twice or skipped, and two runners of the same projection cannot apply the same event twice.
/// - A batch never ends inside an append: the events of one command (one ``RecordedEvent/commitPosition``) are
///   applied together, so a query never sees half of a command.
/// - ``rebuild()`` clears the view and applies every event again in one transaction (readers see the old view
///   until it commits); ``lag()`` says how far behind the view is.
/// - ``run()`` (the `Service` shape) catches up, then waits for appends made through the same `EventStore`.
public final class ProjectionRunner: Sendable {
    public let projection: any Projection
    public let store: EventStore
    /// Events per transaction (a batch is extended to the end of the append it stops in).
    public let batchSize: Int
    /// Measures ``lag()``'s age.
    public let clock: EventideClock
    private let checkpoints = Broadcast<Int64>()

    public init(
        _ projection: any Projection, store: EventStore, batchSize: Int = 100, clock: EventideClock = .system
    ) throws(ProjectionError) {
        guard !projection.name.isEmpty, projection.name.count <= 200 else {
            throw ProjectionError.invalidName(projection.name)
        }
        guard batchSize > 0 else { throw ProjectionError.invalidBatchSize(batchSize) }
        self.projection = projection
        self.store = store
        self.batchSize = batchSize
        self.clock = clock
    }

    /// The view this runner writes.
    public var readModel: ReadModel { ReadModel(database: store.database, view: projection.name) }

    /// Applies the next batch after the checkpoint, with the checkpoint, in one transaction.
    @discardableResult
    public func applyNextBatch() async throws -> ProjectionBatch {
        let (projection, batchSize, now) = (projection, batchSize, clock.date)
        let batch = try await store.database.pool.write { db in
            try Self.applyBatch(projection, after: nil, limit: batchSize, now: now, db)
        }
        if !batch.events.isEmpty { checkpoints.publish(batch.checkpoint) }
        return batch
    }

    /// Applies batches until the view includes every event stored; returns how many events it applied.
    @discardableResult
    public func catchUp() async throws -> Int {
        var applied = 0
        while true {
            let batch = try await applyNextBatch()
            if batch.events.isEmpty { return applied }
            applied += batch.events.count
        }
    }

    /// Clears the view and its checkpoint and applies every event from the first, all in one transaction;
    /// returns how many events it applied.
    @discardableResult
    public func rebuild() async throws -> Int {
        let (projection, now) = (projection, clock.date)
        let batch = try await store.database.pool.write { db in
            try db.run("DELETE FROM projection_document WHERE view = ?", arguments: [projection.name])
            try db.run("DELETE FROM projection_checkpoint WHERE projection = ?", arguments: [projection.name])
            return try Self.applyBatch(projection, after: 0, limit: nil, now: now, db)
        }
        checkpoints.publish(batch.checkpoint)
        return batch.events.count
    }

    /// Catches up, then applies each append made through `store` as it commits, until cancelled.
    public func run() async throws {
        let appends = store.appends()
        try await catchUp()
        for await _ in appends {
            try Task.checkCancellation()
            try await catchUp()
        }
    }

    /// The checkpoint after each batch this runner commits, from now on.
    public func checkpointUpdates() -> AsyncStream<Int64> { checkpoints.subscribe() }

    /// Waits until the view includes `position` (e.g. the last event of a command, to read your own write).
    public func waitUntilApplied(_ position: Int64, deadline: WaitDeadline = .default) async throws {
        let updates = checkpointUpdates()
        let readModel = readModel
        try await deadline.enforce(waitingFor: "projection \(projection.name) to reach position \(position)") {
            if try await readModel.checkpoint() >= position { return }
            for await checkpoint in updates where checkpoint >= position { return }
        }
    }

    /// How far the view is behind the store.
    public func lag() async throws -> ProjectionLag {
        let name = projection.name
        let (checkpoint, head, oldest) = try await store.database.pool.read { db in
            let checkpoint = try Self.checkpoint(of: name, db)
            let oldest = try db.value(
                Double.self, "SELECT recorded_at FROM event_store_event WHERE position = ?",
                arguments: [checkpoint + 1])
            return (checkpoint, try EventStore.headPosition(db), oldest.map(Date.init(timeIntervalSince1970:)))
        }
        let age = oldest.map { Duration.seconds(max(0, clock.date.timeIntervalSince($0))) } ?? .zero
        return ProjectionLag(checkpoint: checkpoint, head: head, oldestPendingAt: oldest, age: age)
    }

    static func checkpoint(of projection: String, _ db: Database) throws -> Int64 {
        try db.value(
            Int64.self, "SELECT position FROM projection_checkpoint WHERE projection = ?", arguments: [projection]) ?? 0
    }

    /// One batch inside a write transaction: events after the checkpoint (or `after`), up to `limit` (all when
    /// nil) and then to the end of the last append, applied, and the checkpoint moved past them.
    static func applyBatch(
        _ projection: any Projection, after start: Int64?, limit: Int?, now: Date, _ db: Database
    ) throws -> ProjectionBatch {
        let checkpoint = try start ?? Self.checkpoint(of: projection.name, db)
        var events = try EventStore.readAll(after: checkpoint, limit: limit ?? Int.max, db)
        if let last = events.last {
            // Finish the append the batch stopped in: a command's events are applied together.
            events += try db.rows(
                """
                SELECT * FROM event_store_event WHERE commit_position = ? AND position > ? ORDER BY position
                """, arguments: [last.commitPosition, last.position]
            ).map(EventStore.event)
        }
        guard let last = events.last else { return ProjectionBatch(events: [], checkpoint: checkpoint) }
        let writer = ReadModelWriter(view: projection.name, db: db)
        for event in events { try projection.apply(event, to: writer) }
        try db.run(
            """
            INSERT INTO projection_checkpoint(projection, position, updated_at) VALUES (?, ?, ?)
            ON CONFLICT(projection) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
            """, arguments: [projection.name, last.position, now.timeIntervalSince1970])
        return ProjectionBatch(events: events, checkpoint: last.position)
    }
}
