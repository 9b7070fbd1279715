import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_04_04_event_routing

@Suite("117.4.4 Event Filtering and Routing", .timeLimit(.minutes(5)))
struct EventRoutingTests {
    func run() async throws -> EventRouting.Outcome {
        try await EventRouting.run(database: TemporaryDatabase.make("117_04_04")).outcome
    }

    func delivery(_ variant: EventRouting.Variant, _ message: Int) throws -> EventRouting.Delivery {
        try #require(variant.deliveries.first { $0.message == message })
    }

    @Test("117.4.4/1 each event's run runs the branch its route chose; an event no route matches is parked")
    func routesToBranches() async throws {
        let filtered = try await run().filtered
        #expect(try delivery(filtered, 1).ran == ["fulfil_order"])
        #expect(try delivery(filtered, 2).ran == ["book_payment"])
        #expect(try delivery(filtered, 4).ran == ["fulfil_order"])
        #expect(try delivery(filtered, 7).ran == ["cancel_order"])
        #expect(try delivery(filtered, 8).ran == ["park_unrouted"], "order.shipped is relevant but unrouted")
    }

    @Test("117.4.4/2 events are filtered by type (heartbeats) and by content (test traffic) at the watcher")
    func filtersByTypeAndContent() async throws {
        let outcome = try await run()
        let dropped = outcome.filtered.deliveries.filter { $0.fate == .filteredByWatcher }
        #expect(dropped.map(\.message) == [3, 6, 9])
        #expect(dropped.map(\.type) == ["inventory.heartbeat", "order.placed", "inventory.heartbeat"])
        #expect(dropped.allSatisfy { $0.assetEventId == nil && $0.runId == nil })
        let relevant = try EventRouting.relevantFilter()
        let messages = try EventRouting.messages()
        #expect(messages.map(relevant.matches) == [true, true, false, true, true, false, true, true, false])
    }

    @Test(
        "117.4.4/3 irrelevant events: no asset event and no run with the watcher's filter; a run skipping every task without it"
    )
    func irrelevantSkippedWithoutARun() async throws {
        let outcome = try await run()
        #expect(outcome.filtered.filteredByWatcher == 3)
        #expect(outcome.filtered.assetEvents == 6 && outcome.filtered.runs == 6)
        #expect(outcome.filtered.runsSkippingEverything == 0)
        #expect(outcome.unfiltered.filteredByWatcher == 0)
        #expect(outcome.unfiltered.assetEvents == 9 && outcome.unfiltered.runs == 9)
        let skipped = outcome.unfiltered.deliveries.filter { $0.fate == .skippedInRun }
        #expect(skipped.map(\.message) == [3, 6, 9])
        #expect(skipped.allSatisfy { $0.skipped.count == EventRouting.branches.count + 1 && $0.ran.isEmpty })
    }

    @Test(
        "117.4.4/4 branching: a payment of 1000 or more takes two branches, unchosen branches are skipped, each run consumed its one event"
    )
    func branchingLogic() async throws {
        let outcome = try await run()
        #expect(try delivery(outcome.filtered, 5).ran == ["book_payment", "review_payment"])
        for delivery in outcome.filtered.deliveries where delivery.fate == .routed {
            #expect(delivery.ran.count + delivery.skipped.count == EventRouting.branches.count)
            #expect(Set(delivery.ran).isDisjoint(with: delivery.skipped))
            #expect(delivery.consumedEventIds == [try #require(delivery.assetEventId)])
        }
        // Routed the same way whether or not the watcher filtered.
        let routed = { (variant: EventRouting.Variant) in
            variant.deliveries.filter { $0.fate == .routed }.map { [$0.message: $0.ran] }
        }
        #expect(routed(outcome.filtered) == routed(outcome.unfiltered))
        #expect(
            outcome.branchRuns == [
                "book_payment": 2, "review_payment": 1, "fulfil_order": 2, "cancel_order": 1, "park_unrouted": 1,
            ])
    }

    @Test("117.4.4 a used --db is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await EventRouting.run(database: $0) }
    }
}
