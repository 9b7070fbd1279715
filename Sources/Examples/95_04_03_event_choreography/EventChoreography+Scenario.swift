import Eventide
import EventideCLI
import Foundation

/// Drives `EventChoreography.swift`: places three orders one after another (the customer's only action) and,
/// as each event of an order is recorded, reads what every service has published about that order so far.
extension EventChoreography {
    static let item = "95.4.3"
    static let title = "Event Choreography"

    struct Order: Codable, Sendable, Hashable {
        let id: String
        let sku: String
        let quantity: Int
        let amount: Double

        var json: JSONValue {
            [
                "order_id": .string(id), "sku": .string(sku), "quantity": .number(Double(quantity)),
                "amount": .number(amount),
            ]
        }
    }

    struct Configuration: Sendable {
        /// The payment service declines an amount above this.
        var paymentLimit: Double = 500
        /// Units in stock per SKU, the inventory service's state.
        var stock: [String: Int] = ["lamp": 5, "sofa": 0]
        var orders: [Order] = [
            Order(id: "order-1", sku: "lamp", quantity: 1, amount: 120),
            Order(id: "order-2", sku: "lamp", quantity: 1, amount: 900),
            Order(id: "order-3", sku: "sofa", quantity: 1, amount: 450),
        ]
    }

    /// What each service has published about one order: the last event of its stream for that correlation.
    struct States: Codable, Sendable, Hashable {
        var order: String?
        var payment: String?
        var inventory: String?
        var shipping: String?

        /// Every service agrees on the order's fate (`false` while the order's events are in flight).
        var consistent: Bool {
            switch order {
            case "completed": payment == "captured" && inventory == "reserved" && shipping == "created"
            case "cancelled": payment != "captured" && inventory != "reserved" && shipping == nil
            default: false
            }
        }

        var summary: String {
            "order \(order ?? "–") · payment \(payment ?? "–") · inventory \(inventory ?? "–") · shipping "
                + (shipping ?? "–")
        }
    }

    struct FlowEvent: Codable, Sendable, Hashable {
        let assetEventId: Int64
        let stream: String
        let type: String
        let eventId: String
        let correlationId: String?
        let causationId: String?
        /// The DAG whose task emitted it.
        let emittedBy: String?
    }

    /// The states read when one of the order's events was recorded.
    struct Snapshot: Codable, Sendable, Hashable {
        let afterEvent: Int64
        let type: String
        let states: States
        let consistent: Bool
    }

    enum Fate: String, Codable, Sendable { case completed, cancelled }

    struct OrderFlow: Codable, Sendable {
        let order: Order
        let fate: Fate?
        let events: [FlowEvent]
        let snapshots: [Snapshot]
        /// Every event after the first names the one before it as its cause, and all share the order's id.
        let causationChainIntact: Bool
        let finalStates: States
    }

    struct Subscription: Codable, Sendable, Hashable {
        let dagId: String
        let listensTo: String
        let manualRuns: Int
        let assetTriggeredRuns: Int
    }

    struct Outcome: Codable, Sendable {
        let orders: [OrderFlow]
        let services: [Subscription]
    }

    static func run(_ configuration: Configuration, database: EventideDatabase) async throws -> ExampleReport<Outcome> {
        let timeline = Timeline()
        let streams = try Streams()
        let dags = try services(
            streams, paymentLimit: configuration.paymentLimit, stock: Stock(configuration.stock))
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(dags: dags, assets: streams.all)
        try await orchestrator.requireFreshStore()
        let scheduler = orchestrator.scheduler

        let flows = try await orchestrator.withServices {
            var flows: [OrderFlow] = []
            for order in configuration.orders {
                let recorded = scheduler.recordedAssetEvents()  // subscribe before placing: nothing is missed
                // Noted as the order is placed: the run's first event can be stamped before `triggerRun` returns.
                timeline.note(
                    "customer places \(order.id): \(order.quantity) × \(order.sku), \(Int(order.amount)) "
                        + "(order_service run, the only manual trigger)")
                try await scheduler.triggerRun("order_service", conf: ["order": order.json])
                let snapshots = try await WaitDeadline.default.enforce(waitingFor: "the end of \(order.id)") {
                    var snapshots: [Snapshot] = []
                    for await event in recorded {
                        guard let envelope = try envelope(of: event), envelope.correlationId == order.id else {
                            continue
                        }
                        // What a reader of the streams sees now, up to this event: the services disagree while
                        // the order's events are in flight.
                        let states = try await states(of: order.id, upTo: event.id, scheduler: scheduler)
                        snapshots.append(
                            Snapshot(
                                afterEvent: event.id, type: envelope.type, states: states,
                                consistent: states.consistent))
                        timeline.note(
                            "#\(event.id) \(event.asset.name) ← \(envelope.type) → \(states.summary) "
                                + (states.consistent ? "[consistent]" : "[in flight]"), at: event.timestamp)
                        if envelope.type == "order.completed" || envelope.type == "order.cancelled" {
                            return snapshots
                        }
                    }
                    throw WaitError.ended(waitingFor: "the end of \(order.id)")
                }
                // The last reactions (services that ignore order.completed) finish before the next order.
                for dag in dags { try await scheduler.waitUntilIdle(dag.dagId) }
                flows.append(try await flow(order, snapshots: snapshots, scheduler: scheduler))
            }
            return flows
        }
        var subscriptions: [Subscription] = []
        for dag in dags {
            let runs = try await scheduler.runs(of: dag.dagId)
            subscriptions.append(
                Subscription(
                    dagId: dag.dagId, listensTo: dag.schedule.condition?.description ?? "",
                    manualRuns: runs.filter { $0.runType == .manual }.count,
                    assetTriggeredRuns: runs.filter { $0.runType == .assetTriggered }.count))
        }
        let outcome = Outcome(orders: flows, services: subscriptions)
        return ExampleReport(item: item, title: title, outcome: outcome, timeline: timeline, proved: proved(outcome))
    }

    /// The order's events, in the order the store recorded them, up to asset event `last`.
    static func events(of orderId: String, upTo last: Int64 = .max, scheduler: Scheduler) async throws -> [FlowEvent] {
        try await scheduler.allAssetEvents().filter { $0.id <= last }.compactMap { event in
            guard let envelope = try envelope(of: event), envelope.correlationId == orderId else { return nil }
            let emittedBy: String? = if case .task(let dagId, _, _) = event.source { dagId } else { nil }
            return FlowEvent(
                assetEventId: event.id, stream: event.asset.name, type: envelope.type, eventId: envelope.id,
                correlationId: envelope.correlationId, causationId: envelope.causationId, emittedBy: emittedBy)
        }
    }

    static func states(of orderId: String, upTo last: Int64 = .max, scheduler: Scheduler) async throws -> States {
        var states = States()
        for event in try await events(of: orderId, upTo: last, scheduler: scheduler) {
            let verb = event.type.split(separator: ".").last.map(String.init)
            switch event.stream {
            case "orders": states.order = verb
            case "payments": states.payment = verb
            case "inventory": states.inventory = verb
            default: states.shipping = verb
            }
        }
        return states
    }

    static func flow(_ order: Order, snapshots: [Snapshot], scheduler: Scheduler) async throws -> OrderFlow {
        let events = try await events(of: order.id, scheduler: scheduler)
        let final = try await states(of: order.id, scheduler: scheduler)
        let linked = zip(events, events.dropFirst()).allSatisfy { $1.causationId == $0.eventId }
        return OrderFlow(
            order: order, fate: final.order.flatMap(Fate.init(rawValue:)), events: events, snapshots: snapshots,
            causationChainIntact: linked && events.first?.causationId == nil
                && events.allSatisfy { $0.correlationId == order.id },
            finalStates: final)
    }

    /// The conclusions, each computed from the outcome.
    static func proved(_ outcome: Outcome) -> [String] {
        let manual = outcome.services.map(\.manualRuns).reduce(0, +)
        let triggered = outcome.services.map(\.assetTriggeredRuns).reduce(0, +)
        let inFlight = outcome.orders.flatMap(\.snapshots).filter { !$0.consistent }.count
        var lines = [
            "no coordinator: \(manual + triggered) runs, \(manual) manual (the order placements, on order_service), "
                + "\(triggered) triggered by the streams the services listen to: "
                + outcome.services.map { "\($0.dagId) on \($0.listensTo)" }.joined(separator: ", ")
        ]
        for flow in outcome.orders {
            lines.append(
                "\(flow.order.id) \(flow.fate?.rawValue ?? "unfinished"): "
                    + flow.events.map(\.type).joined(separator: " → ")
                    + "; causation chain intact, one correlation id: \(flow.causationChainIntact)")
        }
        lines.append(
            "eventual consistency: of \(outcome.orders.flatMap(\.snapshots).count) reads of the services' states "
                + "(one as each event was recorded), \(inFlight) saw them disagree while the order's events were in "
                + "flight; every order consistent at the end: "
                + "\(outcome.orders.allSatisfy(\.finalStates.consistent))")
        return lines
    }
}
