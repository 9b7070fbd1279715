import Foundation
import GRDB

/// An event store on the runtime's SQLite database: one stream of events per aggregate, appended with an
/// expected version, read back by stream (from a version) or by global position (for subscribers and
/// projections).
///
/// - An append is one transaction: all its events are stored, with consecutive versions, or none.
/// - A stale expected version is refused with ``EventStoreError/wrongExpectedVersion(stream:expected:actual:)``.
/// - Global positions are assigned in commit order: a reader that saw position `p` never finds a lower one later.
/// - In-process subscribers wait for appends through ``appends()`` instead of polling.
///
/// ```swift
/// let store = EventStore(database: database)
/// let opened = try await store.append([NewEvent(type: "opened", data: ["owner": "ada"])], to: "account-1",
///                                     expectedVersion: .noStream)
/// let events = try await store.read(stream: "account-1")
/// ```
public final class EventStore: Sendable {
    public let database: EventideDatabase
    /// Stamps each event's `recordedAt`.
    public let clock: EventideClock
    private let appended = Broadcast<Int64>()

    public init(database: EventideDatabase, clock: EventideClock = .system) {
        self.database = database
        self.clock = clock
    }

    // MARK: Appending

    /// Appends `events` to `stream` if its version satisfies `expectedVersion`; returns them as recorded.
    @discardableResult
    public func append(
        _ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion
    ) async throws -> [RecordedEvent] {
        let now = clock.date
        let recorded = try await database.pool.write { db in
            try Self.append(events, to: stream, expectedVersion: expectedVersion, at: now, db)
        }
        published(recorded)
        return recorded
    }

    /// Wakes the subscribers of ``appends()`` after a commit made in this process.
    func published(_ recorded: [RecordedEvent]) {
        if let last = recorded.last { appended.publish(last.position) }
    }

    /// The append inside a write transaction (the aggregate repository adds its snapshot to the same one).
    static func append(
        _ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion, at now: Date, _ db: Database
    ) throws -> [RecordedEvent] {
        try validate(stream)
        guard !events.isEmpty else { throw EventStoreError.nothingToAppend(stream: stream) }
        let current = try version(of: stream, db)
        guard expectedVersion.accepts(current) else {
            throw EventStoreError.wrongExpectedVersion(stream: stream, expected: expectedVersion, actual: current)
        }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO event_store_event(position, commit_position, stream, version, event_id, type, data,
                    metadata, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        // Positions are assigned here, in the write transaction: one writer, so they are dense and in commit order.
        let commitPosition = try headPosition(db) + 1
        var recorded: [RecordedEvent] = []
        for (index, event) in events.enumerated() {
            let version = current + index + 1
            let position = commitPosition + Int64(index)
            try insert.execute(arguments: [
                position, commitPosition, stream, version, event.id, event.type, event.data.jsonText,
                try encode(event.metadata), now.timeIntervalSince1970,
            ])
            recorded.append(
                RecordedEvent(
                    position: position, commitPosition: commitPosition, stream: stream, version: version,
                    id: event.id, type: event.type, data: event.data, metadata: event.metadata, recordedAt: now))
        }
        try db.run(
            """
            INSERT INTO event_stream(stream, version) VALUES (?, ?)
            ON CONFLICT(stream) DO UPDATE SET version = excluded.version
            """, arguments: [stream, current + events.count])
        return recorded
    }

    static func validate(_ stream: String) throws(EventStoreError) {
        guard !stream.isEmpty, stream.count <= 200 else { throw EventStoreError.invalidStreamName(stream) }
    }

    // MARK: Reading a stream

    /// The stream's version: the number of events in it (0 when it does not exist).
    public func version(of stream: String) async throws -> Int {
        try await database.pool.read { db in try Self.version(of: stream, db) }
    }

    static func version(of stream: String, _ db: Database) throws -> Int {
        try db.value(Int.self, "SELECT version FROM event_stream WHERE stream = ?", arguments: [stream]) ?? 0
    }

    /// The events of `stream` with versions `from...through` (through its end when `through` is nil).
    public func read(stream: String, from version: Int = 1, through last: Int? = nil) async throws -> [RecordedEvent] {
        try await database.pool.read { db in try Self.read(stream: stream, from: version, through: last, db) }
    }

    static func read(stream: String, from version: Int, through last: Int?, _ db: Database) throws -> [RecordedEvent] {
        try db.rows(
            """
            SELECT * FROM event_store_event WHERE stream = ? AND version >= ? AND version <= ? ORDER BY version
            """, arguments: [stream, version, last ?? Int.max]
        ).map(Self.event)
    }

    /// Every stream's name and version, by name.
    public func streams() async throws -> [(stream: String, version: Int)] {
        try await database.pool.read { db in
            try db.rows("SELECT stream, version FROM event_stream ORDER BY stream").map {
                (stream: $0["stream"], version: $0["version"])
            }
        }
    }

    // MARK: Reading all streams in global order

    /// Up to `limit` events of every stream with positions after `position`, in position order.
    public func readAll(after position: Int64 = 0, limit: Int = 500) async throws -> [RecordedEvent] {
        try await database.pool.read { db in try Self.readAll(after: position, limit: limit, db) }
    }

    static func readAll(after position: Int64, limit: Int, _ db: Database) throws -> [RecordedEvent] {
        try db.rows(
            "SELECT * FROM event_store_event WHERE position > ? ORDER BY position LIMIT ?",
            arguments: [position, limit]
        ).map(Self.event)
    }

    /// The position of the last event stored (0 for an empty store).
    public func headPosition() async throws -> Int64 {
        try await database.pool.read { db in try Self.headPosition(db) }
    }

    static func headPosition(_ db: Database) throws -> Int64 {
        try db.value(Int64.self, "SELECT COALESCE(MAX(position), 0) FROM event_store_event") ?? 0
    }

    /// The position of the last event of each append made through this store from now on (after its commit).
    public func appends() -> AsyncStream<Int64> { appended.subscribe() }

    // MARK: Snapshots

    /// Stores `state` as the stream's state at `version`.
    public func saveSnapshot(_ state: JSONValue, of stream: String, at version: Int) async throws {
        let now = clock.date
        try await database.pool.write { db in try Self.saveSnapshot(state, of: stream, at: version, now, db) }
    }

    static func saveSnapshot(_ state: JSONValue, of stream: String, at version: Int, _ now: Date, _ db: Database) throws
    {
        try db.run(
            """
            INSERT INTO event_snapshot(stream, version, state, taken_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(stream, version) DO UPDATE SET state = excluded.state, taken_at = excluded.taken_at
            """, arguments: [stream, version, state.jsonText, now.timeIntervalSince1970])
    }

    /// The latest snapshot of `stream` at or before `version` (any version when nil).
    public func latestSnapshot(of stream: String, atOrBefore version: Int? = nil) async throws -> Snapshot? {
        try await database.pool.read { db in try Self.latestSnapshot(of: stream, atOrBefore: version, db) }
    }

    static func latestSnapshot(of stream: String, atOrBefore version: Int?, _ db: Database) throws -> Snapshot? {
        guard
            let row = try db.row(
                """
                SELECT version, state, taken_at FROM event_snapshot WHERE stream = ? AND version <= ?
                ORDER BY version DESC LIMIT 1
                """, arguments: [stream, version ?? Int.max])
        else { return nil }
        let version: Int = row["version"]
        let state = try decodeJSON(row["state"], table: "event_snapshot", key: "\(stream)@\(version)")
        return Snapshot(
            stream: stream, version: version, state: state,
            takenAt: Date(timeIntervalSince1970: row["taken_at"]))
    }

    /// Deletes every snapshot of `stream` (snapshots are a cache: loads then replay from the first event);
    /// returns how many there were.
    @discardableResult
    public func deleteSnapshots(of stream: String) async throws -> Int {
        try await database.pool.write { db in
            try db.run("DELETE FROM event_snapshot WHERE stream = ?", arguments: [stream])
            return db.changesCount
        }
    }

    /// Every snapshot version of `stream`, oldest first.
    public func snapshotVersions(of stream: String) async throws -> [Int] {
        try await database.pool.read { db in
            try Int.fetchAll(
                db, sql: "SELECT version FROM event_snapshot WHERE stream = ? ORDER BY version", arguments: [stream])
        }
    }

    // MARK: Rows

    static func event(_ row: Row) throws -> RecordedEvent {
        let position: Int64 = row["position"]
        let key = "position \(position)"
        let metadataText: String = row["metadata"]
        let metadata: EventMetadata
        do {
            metadata = try JSONDecoder().decode(EventMetadata.self, from: Data(metadataText.utf8))
        } catch {
            throw EventStoreError.corruptRow(table: "event_store_event", key: key, reason: "\(error)")
        }
        return RecordedEvent(
            position: position, commitPosition: row["commit_position"], stream: row["stream"],
            version: row["version"], id: row["event_id"], type: row["type"],
            data: try decodeJSON(row["data"], table: "event_store_event", key: key), metadata: metadata,
            recordedAt: Date(timeIntervalSince1970: row["recorded_at"]))
    }

    static func decodeJSON(_ text: String, table: String, key: String) throws(EventStoreError) -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            throw EventStoreError.corruptRow(table: table, key: key, reason: "\(error)")
        }
    }

    static func encode(_ metadata: EventMetadata) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(metadata), as: UTF8.self)
    }

    // MARK: Schema

    /// The event store's and the projections' tables.
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-event-store") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_stream (stream TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);
                    CREATE TABLE event_store_event (
                        position INTEGER PRIMARY KEY,
                        commit_position INTEGER NOT NULL,
                        stream TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        event_id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        data TEXT NOT NULL,
                        metadata TEXT NOT NULL,
                        recorded_at REAL NOT NULL,
                        UNIQUE (stream, version));
                    CREATE TABLE event_snapshot (
                        stream TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL, taken_at REAL NOT NULL,
                        PRIMARY KEY (stream, version)) WITHOUT ROWID;
                    """)
        }
        ReadModel.registerMigrations(in: &migrator)
    }
}
