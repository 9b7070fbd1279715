import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Aggregate repository", .timeLimit(.minutes(2)))
struct AggregateRepositoryTests {
    /// A counter whose state is the sum of its `added` events.
    enum Counter: Aggregate {
        struct State: Codable, Sendable, Equatable { var total = 0; var events = 0 }
        static let initialState = State()
        static func apply(_ event: RecordedEvent, to state: State) throws -> State {
            guard case .number(let amount) = event.data else { return state }
            return State(total: state.total + Int(amount), events: state.events + 1)
        }
    }

    func add(_ amount: Int) -> NewEvent { NewEvent(type: "added", data: .number(Double(amount))) }

    @Test("a snapshot every N events; a load replays only the events after the latest snapshot")
    func snapshotEveryN() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("aggregate"))
        let counters = AggregateRepository<Counter>(store: store, snapshotEvery: 4)
        var loaded = try await counters.load("c")
        #expect(loaded.expectedVersion == .noStream)
        for amount in 1...10 { loaded = try await counters.save([add(amount)], to: loaded).aggregate }
        #expect(try await store.snapshotVersions(of: "c") == [4, 8])
        let fresh = try await counters.load("c")
        #expect(fresh.state == Counter.State(total: 55, events: 10))
        #expect(fresh.snapshotVersion == 8)
        #expect(fresh.replayed == 2)
        #expect(fresh.state == loaded.state)
        // The full replay ignores snapshots and gives the same state.
        let replay = try await counters.replay("c")
        #expect(replay.state == fresh.state)
        #expect(replay.snapshotVersion == nil && replay.replayed == 10)
    }

    @Test("a multi-event save crossing a multiple of N snapshots inside the same append")
    func snapshotInsideAppend() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("aggregate"))
        let counters = AggregateRepository<Counter>(store: store, snapshotEvery: 3)
        let saved = try await counters.save((1...5).map(add), to: try await counters.load("c"))
        #expect(try await store.snapshotVersions(of: "c") == [3])
        #expect(try await store.latestSnapshot(of: "c")?.state == ["total": 6, "events": 3])
        #expect(saved.aggregate.version == 5)
    }

    @Test("a point-in-time load gives the state as of version N, from a snapshot at or before N")
    func pointInTime() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("aggregate"))
        let counters = AggregateRepository<Counter>(store: store, snapshotEvery: 5)
        try await counters.save((1...12).map(add), to: try await counters.load("c"))
        let asOf7 = try await counters.load("c", asOf: 7)
        #expect(asOf7.state == Counter.State(total: 28, events: 7))
        #expect(asOf7.snapshotVersion == 5 && asOf7.replayed == 2)
        #expect(try await counters.replay("c", asOf: 7).state == asOf7.state)
        #expect(try await counters.load("c", asOf: 0).state == Counter.initialState)
        await #expect(throws: EventStoreError.versionOutOfRange(stream: "c", requested: 13, current: 12)) {
            try await counters.load("c", asOf: 13)
        }
    }

    @Test("a save from a stale load is refused, and no snapshot is written")
    func staleSaveRefused() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("aggregate"))
        let counters = AggregateRepository<Counter>(store: store, snapshotEvery: 2)
        let start = try await counters.save([add(1)], to: try await counters.load("c")).aggregate
        try await counters.save([add(2)], to: start)
        await #expect(throws: EventStoreError.wrongExpectedVersion(stream: "c", expected: .exactly(1), actual: 2)) {
            try await counters.save([self.add(3)], to: start)
        }
        #expect(try await store.snapshotVersions(of: "c") == [2])
        #expect(try await counters.load("c").state.total == 3)
    }
}
