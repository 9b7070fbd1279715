import Foundation
import GRDB

/// Loads and saves one kind of ``Aggregate`` on an ``EventStore``, with a snapshot every `snapshotEvery`
/// events.
///
/// A load starts from the latest snapshot at or before the version asked for and replays only the events after
/// it; a save appends with the loaded version as the expected version and, when the stream crosses a multiple of
/// `snapshotEvery`, stores the new state as a snapshot in the same transaction as the events.
///
/// ```swift
/// let accounts = AggregateRepository<Account>(store: store, snapshotEvery: 10)
/// let account = try await accounts.load("account-1")
/// try await accounts.save([NewEvent(type: "deposited", data: ["amount": 50])], to: account)
/// let asOfThird = try await accounts.load("account-1", asOf: 3)   // a point-in-time view
/// ```
public struct AggregateRepository<A: Aggregate>: Sendable {
    public let store: EventStore
    /// Snapshot when the stream's version reaches a multiple of this (nil: never).
    public let snapshotEvery: Int?

    public init(store: EventStore, snapshotEvery: Int? = nil) {
        self.store = store
        self.snapshotEvery = snapshotEvery.flatMap { $0 > 0 ? $0 : nil }
    }

    /// The aggregate's state now, or as of `version` (a point-in-time view), from the latest snapshot at or before
    /// it plus the events after.
    public func load(_ stream: String, asOf version: Int? = nil) async throws -> LoadedAggregate<A.State> {
        try await store.database.pool.read { db in try Self.load(stream, asOf: version, useSnapshots: true, db) }
    }

    /// The aggregate's state folded from every event of its stream, ignoring snapshots (what a snapshot must equal).
    public func replay(_ stream: String, asOf version: Int? = nil) async throws -> LoadedAggregate<A.State> {
        try await store.database.pool.read { db in try Self.load(stream, asOf: version, useSnapshots: false, db) }
    }

    static func load(
        _ stream: String, asOf version: Int?, useSnapshots: Bool, _ db: Database
    ) throws -> LoadedAggregate<A.State> {
        let current = try EventStore.version(of: stream, db)
        let target = version ?? current
        guard (0...current).contains(target) else {
            throw EventStoreError.versionOutOfRange(stream: stream, requested: target, current: current)
        }
        var state = A.initialState
        var snapshotVersion: Int?
        if useSnapshots, let snapshot = try EventStore.latestSnapshot(of: stream, atOrBefore: target, db) {
            state = try decodeState(snapshot)
            snapshotVersion = snapshot.version
        }
        let events = try EventStore.read(stream: stream, from: (snapshotVersion ?? 0) + 1, through: target, db)
        for event in events { state = try A.apply(event, to: state) }
        return LoadedAggregate(
            stream: stream, state: state, version: target, snapshotVersion: snapshotVersion, replayed: events.count)
    }

    /// Appends `events` after `loaded` (refused if another writer appended since it was loaded); returns the new
    /// state and the recorded events.
    @discardableResult
    public func save(
        _ events: [NewEvent], to loaded: LoadedAggregate<A.State>
    ) async throws -> (aggregate: LoadedAggregate<A.State>, recorded: [RecordedEvent]) {
        let now = store.clock.date
        let snapshotEvery = snapshotEvery
        let result = try await store.database.pool.write { db in
            let recorded = try EventStore.append(
                events, to: loaded.stream, expectedVersion: loaded.expectedVersion, at: now, db)
            var state = loaded.state
            var snapshotVersion = loaded.snapshotVersion
            for event in recorded {
                state = try A.apply(event, to: state)
                if let snapshotEvery, event.version % snapshotEvery == 0 {
                    try EventStore.saveSnapshot(
                        try Self.encodeState(state), of: loaded.stream, at: event.version, now, db)
                    snapshotVersion = event.version
                }
            }
            let version = recorded.last?.version ?? loaded.version
            let aggregate = LoadedAggregate(
                stream: loaded.stream, state: state, version: version, snapshotVersion: snapshotVersion,
                replayed: loaded.replayed + recorded.count)
            return (aggregate: aggregate, recorded: recorded)
        }
        store.published(result.recorded)
        return result
    }

    static func encodeState(_ state: A.State) throws(EventStoreError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(state))
        } catch {
            throw EventStoreError.undecodableData(type: "\(A.State.self)", position: nil, reason: "\(error)")
        }
    }

    static func decodeState(_ snapshot: Snapshot) throws(EventStoreError) -> A.State {
        do {
            return try JSONDecoder().decode(A.State.self, from: try JSONEncoder().encode(snapshot.state))
        } catch {
            throw EventStoreError.corruptRow(
                table: "event_snapshot", key: "\(snapshot.stream)@\(snapshot.version)", reason: "\(error)")
        }
    }
}
