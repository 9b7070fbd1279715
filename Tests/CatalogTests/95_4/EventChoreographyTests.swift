import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_04_03_event_choreography

@Suite("95.4.3 Event Choreography", .timeLimit(.minutes(5)))
struct EventChoreographyTests {
    func run(_ configuration: EventChoreography.Configuration = .init()) async throws -> EventChoreography.Outcome {
        try await EventChoreography.run(configuration, database: TemporaryDatabase.make("95_04_03")).outcome
    }

    func flow(_ outcome: EventChoreography.Outcome, _ id: String) throws -> EventChoreography.OrderFlow {
        try #require(outcome.orders.first { $0.order.id == id })
    }

    @Test(
        "95.4.3/1 no central orchestrator: only the order placements are manual, every other run is triggered by a stream"
    )
    func noCoordinator() async throws {
        let outcome = try await run()
        let manual = Dictionary(uniqueKeysWithValues: outcome.services.map { ($0.dagId, $0.manualRuns) })
        #expect(manual == ["order_service": 3, "payment_service": 0, "inventory_service": 0, "shipping_service": 0])
        #expect(outcome.services.allSatisfy { $0.assetTriggeredRuns > 0 })
        #expect(
            outcome.services.map(\.listensTo)
                == ["payments | shipping", "orders | inventory", "payments", "inventory"])
        // Each event was emitted by the service that owns its stream, never by a caller on its behalf.
        let owners = [
            "orders": "order_service", "payments": "payment_service", "inventory": "inventory_service",
            "shipping": "shipping_service",
        ]
        for event in outcome.orders.flatMap(\.events) { #expect(event.emittedBy == owners[event.stream]) }
    }

    @Test("95.4.3/2 event-based sequencing: each event is caused by the previous one, under one correlation id")
    func sequencing() async throws {
        let outcome = try await run()
        let completed = try flow(outcome, "order-1")
        #expect(
            completed.events.map(\.type)
                == ["order.placed", "payment.captured", "inventory.reserved", "shipment.created", "order.completed"])
        #expect(completed.causationChainIntact)
        #expect(completed.events.first?.causationId == nil)
        for (cause, effect) in zip(completed.events, completed.events.dropFirst()) {
            #expect(effect.causationId == cause.eventId && effect.assetEventId > cause.assetEventId)
        }
        #expect(Set(completed.events.compactMap(\.correlationId)) == ["order-1"])
        // The failure paths choreograph their own compensation.
        let declined = try flow(outcome, "order-2")
        #expect(declined.events.map(\.type) == ["order.placed", "payment.declined", "order.cancelled"])
        let refunded = try flow(outcome, "order-3")
        #expect(
            refunded.events.map(\.type)
                == ["order.placed", "payment.captured", "inventory.unavailable", "payment.refunded", "order.cancelled"])
        #expect(outcome.orders.allSatisfy { $0.causationChainIntact })
        #expect(outcome.orders.map(\.fate) == [.completed, .cancelled, .cancelled])
    }

    @Test("95.4.3/3 self-contained DAGs: one service alone reacts to its event type, ignores others, emits its own")
    func selfContained() async throws {
        let streams = try EventChoreography.Streams()
        let services = try EventChoreography.services(
            streams, paymentLimit: 500, stock: EventChoreography.Stock([:]))
        let payment = try #require(services.first { $0.dagId == "payment_service" })
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("95_04_03_alone"))
        try await orchestrator.register(dags: [payment], assets: streams.all)
        let placed = try EventEnvelope(
            type: "order.placed", source: "/test", subject: "order-9",
            data: ["order_id": "order-9", "amount": 80], correlationId: "order-9")
        let shipped = try placed.caused(type: "shipment.created", source: "/test")
        let emitted = try await orchestrator.withServices {
            for envelope in [shipped, placed] {
                try await orchestrator.scheduler.recordAssetEvent(
                    streams.orders.key, extra: try EventChoreography.extra(envelope), source: .api(messageId: nil))
            }
            try await orchestrator.scheduler.waitUntilIdle("payment_service")
            return try await orchestrator.scheduler.assetEvents(for: streams.payments.key)
        }
        let envelopes = try emitted.compactMap { try EventChoreography.envelope(of: $0) }
        #expect(envelopes.map(\.type) == ["payment.captured"], "shipment.created is not the payment service's business")
        #expect(envelopes.first?.causationId == placed.id && envelopes.first?.correlationId == "order-9")
    }

    @Test("95.4.3/4 eventual consistency: services disagree while an order's events are in flight, agree at the end")
    func eventualConsistency() async throws {
        let outcome = try await run()
        let completed = try flow(outcome, "order-1")
        #expect(completed.snapshots.map(\.consistent) == [false, false, false, false, true])
        let midway = try #require(completed.snapshots.dropFirst().first)
        #expect(
            midway.states.payment == "captured" && midway.states.order == "placed",
            "paid, but the order does not know yet")
        let refunded = try flow(outcome, "order-3")
        #expect(refunded.snapshots.map(\.consistent) == [false, false, false, false, true])
        #expect(outcome.orders.allSatisfy { $0.finalStates.consistent })
        #expect(
            refunded.finalStates
                == .init(order: "cancelled", payment: "refunded", inventory: "unavailable", shipping: nil))
    }

    @Test("95.4.3/expected the choreography works, in-process and from the command line")
    func expectedBehavior() async throws {
        var generous = EventChoreography.Configuration()
        generous.paymentLimit = 1_000
        let outcome = try await run(generous)
        #expect(outcome.orders.map(\.fate) == [.completed, .completed, .cancelled], "order-2 is now paid")
        try await expectRefusesUsedStore { try await EventChoreography.run(.init(), database: $0) }
        let cli = try ExampleProcess.checkCommandLine(
            "95_04_03_event_choreography", item: "95.4.3", badArguments: ["--payment-limit", "lots"],
            expectInError: "--payment-limit")
        let orders = try #require(cli["orders"] as? [[String: Any]])
        #expect(orders.compactMap { $0["fate"] as? String } == ["completed", "cancelled", "cancelled"])
    }
}
