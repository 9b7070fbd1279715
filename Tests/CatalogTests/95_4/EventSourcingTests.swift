import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_04_01_event_sourcing

@Suite("95.4.1 Event Sourcing", .timeLimit(.minutes(5)))
struct EventSourcingTests {
    typealias Account = EventSourcing.Account

    func run(
        _ configuration: EventSourcing.Configuration = .init(), database: EventideDatabase? = nil
    ) async throws -> EventSourcing.Outcome {
        try await EventSourcing.run(configuration, database: database ?? TemporaryDatabase.make("95_04_01")).outcome
    }

    @Test(
        "95.4.1/1 the event log is the source of truth: one event per applied command, none for a refusal, no stored balance"
    )
    func sourceOfTruth() async throws {
        let database = try TemporaryDatabase.make("95_04_01")
        let outcome = try await run(database: database)
        let store = EventStore(database: database)
        let events = try await store.read(stream: EventSourcing.stream)
        let applied = outcome.commands.filter { $0.version != nil }
        let refused = outcome.commands.filter { $0.refusal != nil }
        #expect(applied.count == outcome.liveVersion)
        #expect(refused.contains { $0.refusal == .insufficientFunds(balance: $0.balanceAfter, requested: 5_000) })
        #expect(applied.map(\.version) == Array(1...outcome.liveVersion).map { Optional($0) })
        // The balance is the fold of the events' amounts, nothing else.
        let amounts = try events.prefix(outcome.liveVersion).map { event -> Int in
            let moved =
                event.type == EventSourcing.EventType.opened.rawValue
                ? 0 : try event.decode(EventSourcing.Moved.self).amount
            return event.type == EventSourcing.EventType.withdrawn.rawValue ? -moved : moved
        }
        #expect(amounts.reduce(0, +) == outcome.live.balance)
        // Snapshots are a cache: deleted, the state rebuilt from the events alone is the same.
        let withoutSnapshots = try #require(outcome.rebuilds.first { $0.source == .withoutSnapshots })
        #expect(withoutSnapshots.equalsLive && withoutSnapshots.snapshotVersion == nil)
        #expect(try await store.snapshotVersions(of: EventSourcing.stream).isEmpty)
    }

    @Test(
        "95.4.1/2 event replay: a full replay from the first event equals the live state",
        arguments: [1, 7, 42] as [UInt64])
    func replay(seed: UInt64) async throws {
        let outcome = try await run(.init(seed: seed))
        let full = try #require(outcome.rebuilds.first { $0.source == .fullReplay })
        #expect(full.equalsLive)
        #expect(full.state == outcome.live)
        #expect(full.replayed == outcome.liveVersion)
        #expect(outcome.finalReplay == outcome.final)
    }

    @Test(
        "95.4.1/3 state reconstruction: snapshot plus tail, and the state as of every event N equals the live state then"
    )
    func reconstruction() async throws {
        let database = try TemporaryDatabase.make("95_04_01")
        let outcome = try await run(.init(snapshotEvery: 4, asOf: 6), database: database)
        #expect(outcome.snapshotVersions == Array(stride(from: 4, through: outcome.liveVersion, by: 4)))
        let fromSnapshot = try #require(outcome.rebuilds.first { $0.source == .snapshotAndTail })
        #expect(fromSnapshot.equalsLive)
        #expect(fromSnapshot.snapshotVersion == outcome.snapshotVersions.last)
        #expect(fromSnapshot.replayed == outcome.liveVersion - (outcome.snapshotVersions.last ?? 0))
        #expect(outcome.pointInTime.state.balance == outcome.pointInTime.liveBalanceThen)
        #expect(outcome.pointInTime.snapshotVersion == 4 && outcome.pointInTime.replayed == 2)
        // Every version, not only --as-of: the point-in-time view equals the live balance right after it.
        let accounts = AggregateRepository<Account>(store: EventStore(database: database))
        for version in 1...outcome.liveVersion {
            let then = try await accounts.load(EventSourcing.stream, asOf: version)
            #expect(then.state.balance == outcome.balanceHistory[version - 1], "as of v\(version)")
        }
    }

    @Test("95.4.1/4 audit trail: who changed what, when and why, for every event, read from the events")
    func auditTrail() async throws {
        let outcome = try await run()
        let applied = outcome.commands.filter { $0.version != nil }
        try #require(outcome.audit.count == applied.count)  // read before the races
        for (entry, command) in zip(outcome.audit, applied) {
            #expect(entry.who == command.context.actor)
            #expect(entry.why == command.context.reason)
            #expect(entry.balanceAfter == command.balanceAfter)
            switch command.command {
            case .open: #expect(entry.what == .opened && entry.amount == nil)
            case .deposit(let amount): #expect(entry.what == .deposited && entry.amount == amount)
            case .withdraw(let amount): #expect(entry.what == .withdrawn && entry.amount == amount)
            }
        }
        #expect(zip(outcome.audit, outcome.audit.dropFirst()).allSatisfy { $0.when <= $1.when })
        #expect(outcome.audit.map(\.version) == Array(1...outcome.audit.count))
        #expect(outcome.audit.last?.balanceAfter == outcome.live.balance)
    }

    @Test("95.4.1/expected a stale writer is refused by the expected version and its retry loop decides again")
    func expectedBehavior() async throws {
        let outcome = try await run()
        try #require(outcome.races.count == 2)
        let (deposits, withdrawals) = (outcome.races[0], outcome.races[1])
        #expect(deposits.refusedExpected == deposits.loadedVersion && deposits.refusedActual == deposits.firstVersion)
        #expect(deposits.retryAttempts == 2 && deposits.retryVersion == deposits.firstVersion + 1)
        #expect(withdrawals.refusedActual == withdrawals.firstVersion && withdrawals.retryAttempts == 2)
        #expect(withdrawals.retryRefusal == .insufficientFunds(balance: 10, requested: 20))
        #expect(outcome.final.balance == 10 && outcome.final == outcome.finalReplay)
    }

    @Test("95.4.1/expected concurrent writers through the retry loop: every deposit lands exactly once")
    func concurrentWriters() async throws {
        let accounts = AggregateRepository<Account>(
            store: EventStore(database: try TemporaryDatabase.make("95_04_01")), snapshotEvery: 3)
        let context = EventSourcing.Context(actor: "ada", reason: "test")
        _ = try await EventSourcing.execute(.open(owner: "ada"), on: "a", context, accounts: accounts)
        let attempts = try await withThrowingTaskGroup(of: Int.self) { group in
            for amount in 1...8 {
                group.addTask {
                    try await EventSourcing.execute(
                        .deposit(amount), on: "a", context, accounts: accounts, maxAttempts: 50
                    ).attempts
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(attempts.count == 8)
        let loaded = try await accounts.load("a")
        #expect(loaded.version == 9 && loaded.state.balance == 36 && loaded.state.deposits == 8)
        #expect(try await accounts.replay("a").state == loaded.state)
    }

    @Test("95.4.1/expected a used --db is refused; --help, --json and a bad flag on the command line")
    func commandLine() async throws {
        let database = try TemporaryDatabase.make("95_04_01")
        _ = try await run(database: database)
        await #expect(throws: EventSourcing.ScenarioError.storeNotEmpty(path: database.path, events: 24)) {
            _ = try await self.run(database: database)
        }
        await #expect(throws: EventSourcing.ScenarioError.asOfBeyondStream(asOf: 99, version: 21)) {
            _ = try await self.run(.init(asOf: 99))
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_04_01_event_sourcing", item: "95.4.1", badArguments: ["--as-of", "0"], expectInError: "--as-of")
        #expect((cli["races"] as? [Any])?.count == 2)
    }
}
