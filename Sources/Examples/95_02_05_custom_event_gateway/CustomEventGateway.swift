import Eventide
import EventideHTTP

/// 95.2.5 — an event gateway: a shop (CloudEvents), a legacy till (flat JSON) and fridge sensors (batches) post
/// events in their own formats; the gateway transforms each into one canonical event, routes it by sender, type
/// and content to the asset whose DAGs must run (or dead-letters it with the reason), drops retries by a key chosen
/// per sender, and answers only after the commit.
// Longer than one screen: the three sender formats, the routing table and the destinations are the pattern; each
// region is short, together they are what a user copies.
enum CustomEventGateway {
    // [START destinations]
    /// A destination is an asset: the DAGs scheduled on it run for each event routed there.
    struct Destinations: Sendable {
        let orders, refunds, alerts, readings: Asset
        let dags: [DAG]

        init() throws {
            orders = try Asset(uri: "gateway://orders", name: "orders")
            refunds = try Asset(uri: "gateway://refunds", name: "refunds")
            alerts = try Asset(uri: "gateway://cold_chain_alerts", name: "cold_chain_alerts")
            readings = try Asset(uri: "gateway://readings", name: "readings")
            dags = try [
                Self.consumer("fulfil_order", on: orders), Self.consumer("audit_orders", on: orders),
                Self.consumer("process_refund", on: refunds), Self.consumer("cool_down", on: alerts),
                Self.consumer("rollup_readings", on: readings),
            ]
        }

        var assets: [Asset] { [orders, refunds, alerts, readings] }

        /// One run per routed event; the task reads the canonical event from the triggering asset event.
        static func consumer(_ dagId: String, on asset: Asset) throws -> DAG {
            try DAG(
                dagId, schedule: .on(asset),
                tasks: [
                    TaskDefinition("handle") { context in
                        TaskOutput(
                            value: .array(context.triggeringEvents(of: asset).map { $0.extra["subject"] ?? .null }))
                    }
                ])
        }
    }
    // [END destinations]

    // [START senders]
    /// The till's flat JSON, `{"EVT": "SALE", "ORDER": "o-1", "AMT": "19.90", "TS": "2026-11-23T10:00:00Z"}`,
    /// transformed into the canonical event; what it cannot read is refused naming the field (422).
    static let legacyTill = EventFormat("legacy_till") { element throws(EventFormatError) in
        let fields = try EventFields(element)
        guard let type = ["SALE": "order.placed", "REFUND": "order.refunded"][try fields.string("EVT")] else {
            throw .invalid("EVT", "expected SALE or REFUND")
        }
        let order = try fields.string("ORDER")
        let total = try fields.decimal("AMT")
        guard let time = EventTime.parse(try fields.string("TS")) else { throw .invalid("TS", "not an ISO 8601 time") }
        do {
            return try EventEnvelope(
                type: type, source: "/till", subject: order, time: time,
                data: ["order": .string(order), "total": .number(total)])
        } catch { throw .invalid("", "\(error)") }
    }

    /// Fridge sensors post batches, `{"readings": [{"device": "fridge-1", "seq": 7, "celsius": 4.5}, …]}`.
    static let readings = EventFormat("reading") { element throws(EventFormatError) in
        let fields = try EventFields(element)
        let device = try fields.string("device")
        let data: JSONValue = [
            "device": .string(device), "seq": .number(try fields.decimal("seq")),
            "celsius": .number(try fields.decimal("celsius")),
        ]
        do {
            return try EventEnvelope(type: "sensor.reading", source: "/sensors", subject: device, data: data)
        } catch { throw .invalid("", "\(error)") }
    }.batched(in: "readings")

    /// Who may post, in which format, and what makes two deliveries the same event.
    static let senders = [
        GatewaySender("shop", format: .cloudEvents, key: .field("id")),  // CloudEvents carry an id
        GatewaySender("till", format: legacyTill, key: .idempotencyKeyHeader),  // the Idempotency-Key header
        GatewaySender("sensors", format: readings, key: .hash(of: ["device", "seq"])),  // no id: device + sequence
    ]
    // [END senders]

    // [START routes]
    /// In order, first match wins; an event no rule takes goes to the dead-letter queue with the reason.
    static func routes(to destination: Destinations) throws -> RoutingTable {
        RoutingTable([
            RoutingRule(
                "orders", from: ["shop", "till"], types: ["order.placed"],
                where: [try FilterPolicy(json: #"{"total": [{"numeric": [">", 0]}]}"#, scope: .messageBody)],
                to: destination.orders),
            RoutingRule("refunds", from: ["shop", "till"], types: ["order.refunded"], to: destination.refunds),
            RoutingRule(
                "too_warm", from: ["sensors"], types: ["sensor.reading"],
                where: [try FilterPolicy(json: #"{"celsius": [{"numeric": [">", 8]}]}"#, scope: .messageBody)],
                to: destination.alerts),
            RoutingRule("readings", from: ["sensors"], types: ["sensor.reading"], to: destination.readings),
        ])
    }
    // [END routes]

    // [START gateway]
    /// The gateway is an HTTP component (`POST /events/{sender}`) over the runtime's scheduler and dead letters.
    static func gateway(on orchestrator: Orchestrator, _ destinations: Destinations) async throws -> EventGateway {
        try await orchestrator.register(dags: destinations.dags, assets: destinations.assets)
        return try await EventGateway(orchestrator: orchestrator, senders: senders, routes: routes(to: destinations))
    }
    // [END gateway]
}
