import Eventide
import EventideHTTP
import EventideTesting
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// A gateway over a real store with three senders (CloudEvents keyed by id, a legacy flat format keyed by the
/// Idempotency-Key header, a batch of sensor readings keyed by a hash of device and sequence) and four rules.
struct GatewayFixture {
    let database: EventideDatabase
    let orchestrator: Orchestrator
    let gateway: EventGateway
    let orders: Asset, refunds: Asset, alerts: Asset, readings: Asset

    static let consumers: [String: [String]] = [
        "orders": ["audit_orders", "fulfil_order"], "refunds": ["process_refund"], "alerts": ["cool_down"],
        "readings": ["rollup_readings"],
    ]

    init(database: EventideDatabase? = nil, rules: [String]? = nil) async throws {
        self.database = try database ?? TemporaryDatabase.make("gateway")
        orchestrator = Orchestrator(database: self.database)
        orders = try Asset(uri: "gateway://orders", name: "orders")
        refunds = try Asset(uri: "gateway://refunds", name: "refunds")
        alerts = try Asset(uri: "gateway://alerts", name: "alerts")
        readings = try Asset(uri: "gateway://readings", name: "readings")
        let assets = [orders, refunds, alerts, readings]
        var dags: [DAG] = []
        for asset in assets {
            for dagId in Self.consumers[asset.name] ?? [] {
                dags.append(try DAG(dagId, schedule: .on(asset), tasks: [TaskDefinition("consume") { _ in .none }]))
            }
        }
        try await orchestrator.register(dags: dags, assets: assets)
        let table = RoutingTable(
            [
                RoutingRule(
                    "orders", from: ["shop", "pos"], types: ["order.placed"],
                    where: [try FilterPolicy(json: #"{"total": [{"numeric": [">", 0]}]}"#, scope: .messageBody)],
                    to: orders),
                RoutingRule("refunds", types: ["order.refunded"], to: refunds),
                RoutingRule(
                    "hot_readings", from: ["sensors"], types: ["sensor.reading"],
                    where: [try FilterPolicy(json: #"{"value": [{"numeric": [">", 30]}]}"#, scope: .messageBody)],
                    to: alerts),
                RoutingRule("readings", from: ["sensors"], types: ["sensor.reading"], to: readings),
            ].filter { rules?.contains($0.name) ?? true })
        gateway = try await EventGateway(
            orchestrator: orchestrator,
            senders: [
                GatewaySender("shop", format: .cloudEvents, key: .field("id")),
                GatewaySender("pos", format: Self.posFormat, key: .idempotencyKeyHeader),
                GatewaySender(
                    "sensors", format: Self.readingFormat.batched(in: "readings"), key: .hash(of: ["device", "seq"])),
            ],
            routes: table)
    }

    /// A legacy point of sale: `{"EVT": "SALE" | "REFUND", "ORDER": "o-1", "AMT": "19.90"}`.
    static let posFormat = EventFormat("pos_flat") { element throws(EventFormatError) in
        let fields = try EventFields(element)
        let type: String
        switch try fields.string("EVT") {
        case "SALE": type = "order.placed"
        case "REFUND": type = "order.refunded"
        case let other: throw .invalid("EVT", "unknown event name \(other)")
        }
        let order = try fields.string("ORDER")
        let total = try fields.decimal("AMT")
        do {
            return try EventEnvelope(
                type: type, source: "/pos", subject: order, data: ["order": .string(order), "total": .number(total)])
        } catch { throw .invalid("", "\(error)") }
    }

    /// One sensor reading: `{"device": "d1", "seq": 1, "value": 21.5}`.
    static let readingFormat = EventFormat("reading") { element throws(EventFormatError) in
        let fields = try EventFields(element)
        let device = try fields.string("device")
        let sequence = try fields.decimal("seq")
        let value = try fields.decimal("value")
        do {
            return try EventEnvelope(
                type: "sensor.reading", source: "/sensors/\(device)", subject: device,
                data: ["device": .string(device), "seq": .number(sequence), "value": .number(value)])
        } catch { throw .invalid("", "\(error)") }
    }

    static func cloudEvent(id: String, type: String = "order.placed", total: Double = 25) -> String {
        #"{"specversion": "1.0", "id": "\#(id)", "source": "/shop", "type": "\#(type)", "subject": "\#(id)", "#
            + #""time": "2026-11-23T10:00:00Z", "data": {"order": "\#(id)", "total": \#(total)}}"#
    }

    static func headers(key: String?) throws -> HTTPFields {
        guard let key else { return [:] }
        let name = try #require(HTTPField.Name("Idempotency-Key"))
        return [name: key]
    }

    func post(_ sender: String, _ body: String, key: String? = nil) async throws -> GatewayReceipt {
        try await gateway.ingest(sender: sender, headers: Self.headers(key: key), body: ByteBuffer(string: body))
    }

    var scheduler: Scheduler { orchestrator.scheduler }

    /// Every dead letter of the gateway's senders.
    func deadLetters() async throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        for sender in ["shop", "pos", "sensors"] {
            letters += try await orchestrator.triggerer.deadLetters.list(source: gateway.deadLetterSource(of: sender))
        }
        return letters
    }
}
