import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_05_01_event_deduplication

@Suite("95.5.1 Event Deduplication", .timeLimit(.minutes(5)))
struct EventDeduplicationTests {
    typealias Scenario = EventDeduplication

    static func run(_ configuration: Scenario.Configuration = .init())
        async throws -> Scenario.Outcome
    {
        try await Scenario.run(configuration, database: TemporaryDatabase.make("95_05_01")).outcome
    }

    static func consumer(_ kind: Scenario.ConsumerKind, in outcome: Scenario.Outcome) throws -> Scenario.ConsumerResult
    {
        try #require(outcome.consumers.first { $0.consumer == kind })
    }

    @Test(
        "95.5.1/1 idempotency keys: a business field or a hash of fields charges each payment once; the event id misses producer retries"
    )
    func idempotencyKeys() async throws {
        let outcome = try await Self.run()
        let stream = outcome.stream
        #expect(stream.redeliveries == 4 && stream.producerRetries == 3 && stream.originals == 12)
        let naive = try Self.consumer(.naive, in: outcome)
        #expect(naive.charges == stream.kinds.count && naive.extraCharges == 7)
        for kind in [Scenario.ConsumerKind.orderId, .fieldsHash] {
            let result = try Self.consumer(kind, in: outcome)
            #expect(result.charges == 12 && result.ordersCharged == 12, "\(kind)")
        }
        let eventId = try Self.consumer(.eventId, in: outcome)
        #expect(eventId.charges == 12 + stream.producerRetries, "redeliveries caught, retries charged")
    }

    @Test("95.5.1/2 event ids tracked in the store survive a restart; an in-memory set forgets them")
    func eventIdTracking() async throws {
        let outcome = try await Self.run()
        #expect(outcome.restart.skippedAcrossRestart > 0, "the seeded stream has duplicates across the restart")
        let persisted = try Self.consumer(.persistedRestarted, in: outcome)
        #expect(persisted.charges == 12 && persisted.extraCharges == 0)
        let inMemory = try Self.consumer(.inMemoryRestarted, in: outcome)
        #expect(inMemory.extraCharges == outcome.restart.chargedAgainByInMemorySet)
        #expect(inMemory.extraCharges == outcome.restart.skippedAcrossRestart)
    }

    @Test(
        "95.5.1/2 across seeds, the persisted consumer never charges twice and the event-id key catches every redelivery"
    )
    func acrossSeeds() async throws {
        for seed in [1, 2, 3, 42] as [UInt64] {
            let outcome = try await Self.run(
                .init(orders: 8, redeliveries: 5, producerRetries: 2, seed: seed, timeToLive: .milliseconds(200)))
            #expect(try Self.consumer(.persistedRestarted, in: outcome).extraCharges == 0)
            #expect(try Self.consumer(.orderId, in: outcome).extraCharges == 0)
            #expect(try Self.consumer(.eventId, in: outcome).extraCharges == 2)
        }
    }

    @Test(
        "95.5.1/3 a full window evicts the oldest key (its duplicate charges again) or refuses the new one; keys expire after the time to live"
    )
    func deduplicationWindow() async throws {
        let outcome = try await Self.run()
        let evict = try #require(outcome.windows.first { $0.whenFull == .evictOldest })
        #expect(evict.steps.map(\.fate) == [.applied, .applied, .applied, .applied, .applied, .duplicate, .applied])
        #expect(evict.steps.map(\.evicted) == [[], [], [], ["w-1"], ["w-2"], [], []])
        #expect(evict.effects == 6 && evict.uniqueKeys == 4)
        #expect(evict.counts.evicted == 2 && evict.counts.expired == 3)
        let refuse = try #require(outcome.windows.first { $0.whenFull == .refuseNew })
        #expect(refuse.steps.map(\.fate) == [.applied, .applied, .applied, .refused, .duplicate, .duplicate, .applied])
        #expect(refuse.effects == 4 && refuse.uniqueKeys == 4)
        #expect(refuse.counts.refused == 1 && refuse.counts.evicted == 0 && refuse.counts.expired == 3)
    }

    @Test(
        "95.5.1/4 at-least-once: a crash between charge and key loses the charge (mark first) or repeats it (apply first); one transaction charges once"
    )
    func atLeastOnce() async throws {
        let outcome = try await Self.run()
        #expect(outcome.crashes.allSatisfy { $0.crashed })
        #expect(outcome.crashes.map(\.strategy) == [.markThenApply, .applyThenMark, .oneTransaction])
        #expect(outcome.crashes.map(\.charges) == [0, 2, 1])
    }

    @Test(
        "95.5.1/expected duplicates are handled: each payment charged once, in-process and from the command line; a used store is refused"
    )
    func expectedBehavior() async throws {
        let outcome = try await Self.run()
        #expect(try Self.consumer(.orderId, in: outcome).extraCharges == 0)
        let database = try TemporaryDatabase.make("95_05_01_reuse")
        _ = try await Scenario.run(.init(timeToLive: .milliseconds(200)), database: database)
        await #expect(throws: Scenario.ScenarioError.self) {
            _ = try await Scenario.run(.init(), database: database)
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_05_01_event_deduplication", item: "95.5.1", badArguments: ["--ttl-ms", "5"], expectInError: "--ttl-ms")
        let consumers = try #require(cli["consumers"] as? [[String: Any]])
        let orderId = try #require(consumers.first { $0["consumer"] as? String == "order_id" })
        #expect(orderId["charges"] as? Int == 12)
    }
}
