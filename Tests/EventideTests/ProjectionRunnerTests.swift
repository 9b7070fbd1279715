import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Projection runner", .timeLimit(.minutes(2)))
struct ProjectionRunnerTests {
    /// Per stream, the sum of the amounts; and how many times each event was applied.
    struct Totals: Projection {
        var name = "totals"
        func apply(_ event: RecordedEvent, to view: ReadModelWriter) throws {
            guard case .number(let amount) = event.data else { return }
            try view.put((try view.document(event.stream, as: Int.self) ?? 0) + Int(amount), at: event.stream)
            let key = "applied-\(event.position)"
            try view.put((try view.document(key, as: Int.self) ?? 0) + 1, at: key)
        }
    }

    func amounts(_ values: Int...) -> [NewEvent] { values.map { NewEvent(type: "added", data: .number(Double($0))) } }

    @Test(
        "catch-up applies every event once, with the checkpoint in the same transaction; a second catch-up applies none"
    )
    func catchUp() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("projection"))
        try await store.append(amounts(1, 2, 3), to: "a", expectedVersion: .any)
        try await store.append(amounts(10), to: "b", expectedVersion: .any)
        let runner = try ProjectionRunner(Totals(), store: store, batchSize: 2)
        #expect(try await runner.catchUp() == 4)
        #expect(try await runner.catchUp() == 0)
        let view = try await runner.readModel.read { try ($0.documents(as: Int.self), $0.checkpoint()) }
        #expect(view.0["a"] == 6 && view.0["b"] == 10)
        #expect((1...4).allSatisfy { view.0["applied-\($0)"] == 1 })
        #expect(view.1 == 4)
    }

    @Test("a batch never ends inside an append: it is extended to the append's last event")
    func batchesKeepAppendsWhole() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("projection"))
        try await store.append(amounts(1, 2, 3), to: "a", expectedVersion: .any)
        try await store.append(amounts(4, 5), to: "b", expectedVersion: .any)
        let runner = try ProjectionRunner(Totals(), store: store, batchSize: 1)
        let first = try await runner.applyNextBatch()
        #expect(first.events.map(\.position) == [1, 2, 3])
        #expect(first.checkpoint == 3)
        let second = try await runner.applyNextBatch()
        #expect(second.events.map(\.position) == [4, 5])
        #expect(try await runner.applyNextBatch().events.isEmpty)
    }

    @Test("lag: events behind and the age of the oldest pending event, zero once caught up")
    func lag() async throws {
        let clock = TestClock()
        let store = EventStore(database: try TemporaryDatabase.make("projection"), clock: EventideClock(clock))
        let runner = try ProjectionRunner(Totals(), store: store, clock: EventideClock(clock))
        try await store.append(amounts(1), to: "a", expectedVersion: .any)
        await clock.advance(by: .seconds(3))
        try await store.append(amounts(2, 3), to: "a", expectedVersion: .any)
        await clock.advance(by: .seconds(2))
        let behind = try await runner.lag()
        #expect(behind.eventsBehind == 3 && behind.head == 3 && behind.checkpoint == 0)
        #expect(behind.age == .seconds(5))
        try await runner.catchUp()
        let caughtUp = try await runner.lag()
        #expect(caughtUp.isCaughtUp && caughtUp.age == .zero && caughtUp.oldestPendingAt == nil)
    }

    @Test("a rebuild from zero gives the view the incremental runner kept")
    func rebuild() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("projection"))
        let runner = try ProjectionRunner(Totals(), store: store, batchSize: 3)
        for n in 1...20 {
            try await store.append(amounts(n, n * 2), to: "s-\(n % 4)", expectedVersion: .any)
            if n % 5 == 0 { try await runner.catchUp() }
        }
        let incremental = try await runner.readModel.documents()
        #expect(try await runner.rebuild() == 40)
        #expect(try await runner.readModel.documents() == incremental)
        #expect(try await runner.readModel.checkpoint() == 40)
    }

    @Test("run() follows appends as they commit; waitUntilApplied returns once the view includes a position")
    func follows() async throws {
        let store = EventStore(database: try TemporaryDatabase.make("projection"))
        let runner = try ProjectionRunner(Totals(), store: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            for n in 1...5 {
                let recorded = try await store.append(amounts(n), to: "a", expectedVersion: .any)
                let position = try #require(recorded.last?.position)
                try await runner.waitUntilApplied(position, deadline: .seconds(10))
                #expect(try await runner.readModel.read { try $0.document("a", as: Int.self) } == n * (n + 1) / 2)
            }
            group.cancelAll()
        }
    }

    @Test("invalid runners are refused: an empty name, a batch of zero")
    func invalid() throws {
        let store = EventStore(database: try TemporaryDatabase.make("projection"))
        #expect(throws: ProjectionError.invalidName("")) { try ProjectionRunner(Totals(name: ""), store: store) }
        #expect(throws: ProjectionError.invalidBatchSize(0)) {
            try ProjectionRunner(Totals(), store: store, batchSize: 0)
        }
    }
}
