import Eventide
import Foundation

/// 117.4.1 — a trigger event (what the source said: payload, message id, when it happened) becomes an asset event
/// (what the store keeps: the asset, `extra`, the watcher and message id as its source, when it was recorded),
/// and a task reads that event's metadata and payload from its run's triggering events.
enum TriggerEventBasics {
    static let dagId = "inspect_order"

    // [START watcher]
    /// Where the orders come from: a topic of the event log, read as the consumer group `orders_watcher`.
    static let sourceURI = "eventide://log/orders?group=orders_watcher"

    /// The asset event's `extra`: the runtime keeps `from_trigger: true` and the payload (Airflow's shape); this
    /// extract also keeps what the trigger event knows and Airflow's asset event would lose: where the message
    /// came from and when it happened at the source.
    static func extract(_ event: TriggerEvent) -> [String: JSONValue] {
        [
            "source_uri": .string(sourceURI),
            "occurred_at": event.occurredAt.map { .string(EventTime.format($0)) } ?? .null,
        ]
    }

    static func ordersAsset(trigger: any Trigger) throws -> Asset {
        try Asset(name: "orders", uri: "eventide://shop/orders")
            .watched(by: [AssetWatcher(name: "orders_watcher", trigger: trigger, extract: extract)])
    }
    // [END watcher]

    // [START payload]
    /// The order a payload carries (the log's payload holds the CloudEvent under `event`, its data under `data`).
    struct Order: Codable, Sendable, Hashable {
        let orderId: String
        let amount: Double
    }

    static func order(in payload: JSONValue) throws(PayloadError) -> Order {
        guard let data = payload["event"]?["data"], case .object(let fields) = data else {
            throw .notAnObject(found: payload["event"]?["data"]?.kind ?? .null)
        }
        guard let orderId = fields["order_id"]?.stringValue else { throw .missingField("order_id") }
        guard let amount = fields["amount"]?.doubleValue else { throw .missingField("amount") }
        return Order(orderId: orderId, amount: amount)
    }
    // [END payload]

    // [START dag]
    /// One run per event; the task reads its triggering event's metadata, then the payload as an `Order`.
    static func inspectOrder(_ orders: Asset) throws -> DAG {
        try DAG(
            dagId, schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("inspect") { context in
                    guard let event = context.triggeringEvents(of: orders).first else { throw PayloadError.noEvent }
                    let metadata = EventMetadata(
                        eventId: event.id, assetURI: event.asset.uri, recordedAt: event.timestamp,
                        sourceURI: event.extra["source_uri"]?.stringValue,
                        occurredAt: event.extra["occurred_at"]?.stringValue.flatMap(EventTime.parse),
                        watcher: { if case .watcher(let name, _) = event.source { name } else { nil } }(),
                        messageId: { if case .watcher(_, let id) = event.source { id } else { nil } }(),
                        fromTrigger: event.isFromTrigger)
                    let order = try order(in: event.extra[AssetEvent.payloadKey] ?? .null)
                    return TaskOutput(value: try json(Inspection(metadata: metadata, order: order)))
                }
            ])
    }
    // [END dag]

    /// A Codable value as the JSON a task returns (and the store keeps as its return value).
    static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONValue.parse(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
    }

    /// What the task saw of its triggering event.
    struct EventMetadata: Codable, Sendable, Hashable {
        let eventId: Int64
        let assetURI: String
        let recordedAt: Date
        let sourceURI: String?
        let occurredAt: Date?
        let watcher: String?
        let messageId: String?
        let fromTrigger: Bool
    }

    struct Inspection: Codable, Sendable, Hashable {
        let metadata: EventMetadata
        let order: Order
    }

    /// Why a payload is not an order.
    enum PayloadError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
        case noEvent
        case notAnObject(found: JSONValueKind)
        case missingField(String)

        var description: String {
            switch self {
            case .noEvent: "the run has no triggering event of orders"
            case .notAnObject(let kind): "the payload's data is \(kind), not an order object"
            case .missingField(let name): "the payload's order has no '\(name)'; the producer must send it"
            }
        }
    }
}
