import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Event store", .timeLimit(.minutes(2)))
struct EventStoreTests {
    func store() throws -> EventStore { EventStore(database: try TemporaryDatabase.make("event-store")) }

    func events(_ types: String...) -> [NewEvent] { types.map { NewEvent(type: $0) } }

    @Test("an append gives consecutive versions per stream and dense global positions in commit order")
    func versionsAndPositions() async throws {
        let store = try store()
        let first = try await store.append(events("a", "b"), to: "s-1", expectedVersion: .noStream)
        let second = try await store.append(events("c"), to: "s-2", expectedVersion: .noStream)
        let third = try await store.append(events("d"), to: "s-1", expectedVersion: .exactly(2))
        #expect(first.map(\.version) == [1, 2])
        #expect(third.map(\.version) == [3])
        #expect((first + second + third).map(\.position) == [1, 2, 3, 4])
        #expect(first.map(\.commitPosition) == [1, 1])
        #expect(third.map(\.commitPosition) == [4])
        #expect(try await store.version(of: "s-1") == 3)
        #expect(try await store.version(of: "missing") == 0)
        #expect(try await store.headPosition() == 4)
        #expect(try await store.read(stream: "s-1").map(\.type) == ["a", "b", "d"])
        #expect(try await store.read(stream: "s-1", from: 2).map(\.type) == ["b", "d"])
        #expect(try await store.read(stream: "s-1", from: 1, through: 2).map(\.type) == ["a", "b"])
        #expect(try await store.readAll(after: 1, limit: 2).map(\.type) == ["b", "c"])
        #expect(try await store.streams().map(\.stream) == ["s-1", "s-2"])
    }

    @Test("a stale expected version is refused with the stream's actual version, and nothing is written")
    func staleVersionRefused() async throws {
        let store = try store()
        try await store.append(events("opened"), to: "acct", expectedVersion: .noStream)
        await #expect(throws: EventStoreError.wrongExpectedVersion(stream: "acct", expected: .noStream, actual: 1)) {
            try await store.append(self.events("opened"), to: "acct", expectedVersion: .noStream)
        }
        await #expect(throws: EventStoreError.wrongExpectedVersion(stream: "acct", expected: .exactly(0), actual: 1)) {
            try await store.append(self.events("x", "y"), to: "acct", expectedVersion: .exactly(0))
        }
        #expect(try await store.read(stream: "acct").map(\.type) == ["opened"])
        #expect(try await store.headPosition() == 1)
        // .any skips the check.
        try await store.append(events("z"), to: "acct", expectedVersion: .any)
        #expect(try await store.version(of: "acct") == 2)
    }

    @Test("of two concurrent writers at the same version exactly one appends")
    func concurrentWriters() async throws {
        let store = try store()
        try await store.append(events("opened"), to: "acct", expectedVersion: .noStream)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (try? await store.append([NewEvent(type: "w")], to: "acct", expectedVersion: .exactly(1))) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.version(of: "acct") == 2)
    }

    @Test("invalid appends are refused: no events, an empty stream name")
    func invalidAppends() async throws {
        let store = try store()
        await #expect(throws: EventStoreError.nothingToAppend(stream: "s")) {
            try await store.append([], to: "s", expectedVersion: .any)
        }
        await #expect(throws: EventStoreError.invalidStreamName("")) {
            try await store.append(self.events("a"), to: "", expectedVersion: .any)
        }
    }

    @Test("data, metadata and the recording time round-trip; typed payloads decode")
    func roundTrip() async throws {
        struct Deposit: Codable, Equatable { let amount: Int }
        let clock = TestClock()
        let store = EventStore(database: try TemporaryDatabase.make("event-store"), clock: EventideClock(clock))
        let metadata = EventMetadata(actor: "ada", reason: "salary", commandId: "c-1", correlationId: "k")
        let event = try NewEvent(type: "deposited", encoding: Deposit(amount: 50), metadata: metadata)
        try await store.append([event], to: "acct", expectedVersion: .noStream)
        let read = try #require(try await store.read(stream: "acct").first)
        #expect(read.metadata == metadata)
        #expect(read.id == event.id)
        #expect(try read.decode(Deposit.self) == Deposit(amount: 50))
        #expect(read.recordedAt == clock.epoch)
        #expect(throws: EventStoreError.self) { try read.decode([String].self) }
    }

    @Test("snapshots: the latest at or before a version")
    func snapshots() async throws {
        let store = try store()
        try await store.saveSnapshot(["n": 5], of: "s", at: 5)
        try await store.saveSnapshot(["n": 10], of: "s", at: 10)
        #expect(try await store.latestSnapshot(of: "s")?.version == 10)
        #expect(try await store.latestSnapshot(of: "s", atOrBefore: 9)?.state == ["n": 5])
        #expect(try await store.latestSnapshot(of: "s", atOrBefore: 4) == nil)
        #expect(try await store.snapshotVersions(of: "s") == [5, 10])
    }

    @Test("appends() wakes a subscriber with the head position after each commit")
    func appendsStream() async throws {
        let store = try store()
        let appends = store.appends()
        try await store.append(events("a", "b"), to: "s", expectedVersion: .any)
        try await store.append(events("c"), to: "s", expectedVersion: .any)
        var iterator = appends.makeAsyncIterator()
        #expect(await iterator.next() == 2)
        #expect(await iterator.next() == 3)
    }
}
