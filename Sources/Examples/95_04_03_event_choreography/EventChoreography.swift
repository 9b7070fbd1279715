import Eventide
import Foundation
import Synchronization

/// 95.4.3 — an order flows through four services and no coordinator: each service is a DAG scheduled on the
/// streams it listens to; it reacts to each event by its type and emits its own, caused by the one it handled.
/// Failures choreograph their own compensation: an out-of-stock reservation makes the payment service refund.
// Longer than one screen: the generic service DAG and the four services it makes are one piece; split, neither
// reads on its own.
enum EventChoreography {
    // [START streams]
    /// One asset per service: the stream of that service's events. Listening to a service is being scheduled on
    /// its stream; nobody calls anybody.
    struct Streams: Sendable {
        let orders, payments, inventory, shipping: Asset

        init() throws {
            orders = try Asset(uri: "shop://orders", name: "orders")
            payments = try Asset(uri: "shop://payments", name: "payments")
            inventory = try Asset(uri: "shop://inventory", name: "inventory")
            shipping = try Asset(uri: "shop://shipping", name: "shipping")
        }

        var all: [Asset] { [orders, payments, inventory, shipping] }
    }

    /// An asset event carries a CloudEvents envelope (with its correlation and causation ids) in `extra`.
    static func envelope(of event: AssetEvent) throws -> EventEnvelope? {
        guard let json = event.extra["event"] else { return nil }
        return try JSONDecoder().decode(EventEnvelope.self, from: Data(json.jsonText.utf8))
    }

    static func extra(_ envelope: EventEnvelope) throws -> [String: JSONValue] {
        ["event": try JSONValue.parse(String(decoding: try JSONEncoder().encode(envelope), as: UTF8.self))]
    }
    // [END streams]

    // [START service]
    /// What a service does with one event: the type and data of the event it emits, or `nil` (not for it).
    typealias Reaction = @Sendable (EventEnvelope) -> (type: String, data: JSONValue)?

    /// A self-contained service DAG: scheduled on `schedule`, it handles each triggering event with `react` and
    /// emits the results on its own `stream`, each caused by the event it handled (same correlation id). With
    /// `intake`, a manual run's conf `order` is emitted as `order.placed`, the first event of a new correlation.
    static func service(
        _ name: String, schedule: Schedule, emitsTo stream: Asset, intake: Bool = false,
        react: @escaping Reaction
    ) throws -> DAG {
        let alias = try AssetAlias(name: "\(name)_events")
        let source = "/dags/\(name)_service"
        return try DAG(
            "\(name)_service", schedule: schedule,
            tasks: [
                TaskDefinition("react", aliasOutlets: [alias]) { context in
                    var emitted: [EventEnvelope] = []
                    if intake, let order = context.conf["order"], let id = order["order_id"]?.stringValue {
                        emitted.append(
                            try EventEnvelope(
                                type: "order.placed", source: source, subject: id, time: context.clock.date,
                                data: order, correlationId: id))
                    }
                    for event in context.triggeringAssetEvents {
                        guard let incoming = try envelope(of: event), let (type, data) = react(incoming) else {
                            continue
                        }
                        emitted.append(
                            try incoming.caused(type: type, source: source, data: data, time: context.clock.date))
                    }
                    return TaskOutput(
                        aliasEvents: try emitted.map { .init(alias: alias, asset: stream, extra: try extra($0)) })
                }
            ])
    }
    // [END service]

    // [START services]
    /// The four services. Each knows only the events it listens to and the ones it emits.
    static func services(_ streams: Streams, paymentLimit: Double, stock: Stock) throws -> [DAG] {
        [
            try service(
                "order", schedule: .on(streams.payments | streams.shipping), emitsTo: streams.orders, intake: true
            ) {
                switch $0.type {
                case "payment.declined", "payment.refunded": ("order.cancelled", $0.data)
                case "shipment.created": ("order.completed", $0.data)
                default: nil
                }
            },
            try service("payment", schedule: .on(streams.orders | streams.inventory), emitsTo: streams.payments) {
                switch $0.type {
                case "order.placed":
                    ($0.data["amount"]?.doubleValue ?? 0) <= paymentLimit
                        ? ("payment.captured", $0.data) : ("payment.declined", $0.data)
                case "inventory.unavailable": ("payment.refunded", $0.data)  // the compensation, choreographed
                default: nil
                }
            },
            try service("inventory", schedule: .on(streams.payments), emitsTo: streams.inventory) {
                guard $0.type == "payment.captured" else { return nil }
                return stock.reserve($0.data) ? ("inventory.reserved", $0.data) : ("inventory.unavailable", $0.data)
            },
            try service("shipping", schedule: .on(streams.inventory), emitsTo: streams.shipping) {
                $0.type == "inventory.reserved" ? ("shipment.created", $0.data) : nil
            },
        ]
    }
    // [END services]

    /// The inventory service's own state: units per SKU.
    final class Stock: Sendable {
        private let units: Mutex<[String: Int]>
        init(_ units: [String: Int]) { self.units = Mutex(units) }

        func reserve(_ order: JSONValue) -> Bool {
            guard let sku = order["sku"]?.stringValue, let quantity = order["quantity"]?.intValue else { return false }
            return units.withLock { units in
                guard (units[sku] ?? 0) >= quantity else { return false }
                units[sku, default: 0] -= quantity
                return true
            }
        }
    }
}
