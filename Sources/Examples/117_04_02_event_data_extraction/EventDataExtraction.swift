import Eventide
import Foundation

/// 117.4.2 — the data of a watcher's event reaches a task two ways: `extra` parsed whole into Codable types (all
/// or nothing), and task arguments templated from the run's context, field by field, with defaults; missing and
/// malformed data fail the task with the path that was wrong.
enum EventDataExtraction {
    static let dagId = "load_order"

    // [START watcher]
    /// Orders arrive on an embedded queue (an SQS queue's stand-in): the payload is `{"body", "attributes", "queue"}`,
    /// the body parsed as JSON when it is JSON and kept as a string when it is not.
    static let sourceURI = "eventide://queue/orders?wait=1"

    static func ordersAsset(registry: TriggerRegistry) throws -> Asset {
        try Asset(name: "orders", uri: "eventide://shop/orders")
            .watched(by: [AssetWatcher(name: "orders_watcher", source: sourceURI, registry: registry)])
    }
    // [END watcher]

    // [START parse]
    /// `extra` as this DAG expects it: Airflow's mark and the queue's payload, with the order in its body.
    struct OrderExtra: Decodable, Sendable {
        let fromTrigger: Bool
        let payload: QueuePayload
        enum CodingKeys: String, CodingKey { case fromTrigger = "from_trigger", payload }
    }
    struct QueuePayload: Decodable, Sendable {
        let queue: String
        let body: Order
    }
    struct Order: Codable, Sendable, Hashable {
        let orderId: String
        let amount: Double
        let customer: Customer?
        enum CodingKeys: String, CodingKey { case orderId = "order_id", amount, customer }
    }
    struct Customer: Codable, Sendable, Hashable {
        let id: String
        let tier: String?
    }

    /// Decodes `extra`; a missing or mistyped field is an `ExtractionError` naming its path in `extra`.
    static func parse(extra: [String: JSONValue]) throws(ExtractionError) -> OrderExtra {
        do {
            return try JSONDecoder().decode(OrderExtra.self, from: Data(JSONValue.object(extra).jsonText.utf8))
        } catch let DecodingError.keyNotFound(key, context) {
            throw .undecodable(path: path(context.codingPath + [key]), problem: .missing)
        } catch let DecodingError.valueNotFound(_, context) {
            throw .undecodable(path: path(context.codingPath), problem: .missing)
        } catch let DecodingError.typeMismatch(_, context) {
            throw .undecodable(path: path(context.codingPath), problem: .wrongType)
        } catch {
            throw .undecodable(path: "extra", problem: .wrongType)
        }
    }

    static func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
    // [END parse]

    // [START templates]
    /// The load task's arguments, rendered from the run's context before it runs (`asset` is the orders URI).
    static let arguments: [String: TaskTemplate] = [
        "order_id": "{{ triggering_asset_events[asset][0].extra.payload.body.order_id }}",
        "amount": "{{ triggering_asset_events[asset][0].extra.payload.body.amount }}",
        "tier": #"{{ triggering_asset_events[asset][0].extra.payload.body.customer.tier | default:"standard" }}"#,
        "target": "s3://warehouse/orders/{{ triggering_asset_events[asset][0].extra.payload.body.order_id }}.json",
    ]
    // [END templates]

    // [START dag]
    /// One run per order: `parse` decodes the whole `extra`; `load` receives its arguments already rendered.
    static func loadOrder(_ orders: Asset) throws -> DAG {
        try DAG(
            dagId, schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("parse") { context in
                    guard let event = context.triggeringEvents(of: orders).first else { throw ExtractionError.noEvent }
                    return TaskOutput(value: try json(try parse(extra: event.extra).payload.body))
                },
                .templated("load", arguments: arguments, variables: ["asset": .string(orders.uri)]) { _, arguments in
                    let load = Load(
                        orderId: try arguments.string("order_id"), amount: try arguments.number("amount"),
                        tier: try arguments.string("tier"), target: try arguments.string("target"))
                    return TaskOutput(value: try json(load))
                },
            ])
    }
    // [END dag]

    /// What `load` was given.
    struct Load: Codable, Sendable, Hashable {
        let orderId: String
        let amount: Double
        let tier: String
        let target: String
    }

    /// A Codable value as the JSON a task returns (and the store keeps as its return value).
    static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONValue.parse(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
    }

    /// Why `extra` could not be parsed into an `OrderExtra`.
    enum ExtractionError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
        enum Problem: String, Codable, Sendable { case missing, wrongType = "wrong_type" }
        case noEvent
        case undecodable(path: String, problem: Problem)

        var description: String {
            switch self {
            case .noEvent: "the run has no triggering event of orders"
            case .undecodable(let path, .missing): "extra.\(path) is missing; the producer must send it"
            case .undecodable(let path, .wrongType):
                "extra.\(path) has the wrong type; the producer sent malformed data"
            }
        }
    }
}
