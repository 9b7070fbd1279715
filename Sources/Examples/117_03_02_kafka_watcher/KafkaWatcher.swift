import Eventide

/// 117.3.2 — a Kafka topic feeds an asset: the watcher is a member of a consumer group, each record becomes an
/// asset event, and the group's offset is committed only after the asset event is. Records are keyed by customer,
/// so each customer's orders stay in one partition, in order.
enum KafkaWatcher {
    // [START watcher]
    /// The topic as an asset. `records` is a consumer-group member's trigger (`TopicService.trigger(topic:group:)`:
    /// Kafka or the embedded log); the triggerer acknowledges a record, which commits the group's offset past it,
    /// only after the record's asset event is committed. A record that is not an order is dead-lettered (its
    /// offset is committed too, so it does not block its partition).
    static func orders(topic: String, records: any Trigger) throws -> Asset {
        try Asset(
            uri: "kafka://\(topic)", name: "orders_topic",
            watchers: [
                AssetWatcher(
                    name: "orders_kafka", trigger: records, extract: order,
                    restart: RetryPolicy(retries: 20, delay: .milliseconds(200)))
            ])
    }

    /// The asset event's `extra`: the order, its customer (the record's key), and where the record was.
    static func order(_ record: TriggerEvent) throws(OrderError) -> [String: JSONValue] {
        guard let order = record.payload["value"]?["order"]?.exactIntegerValue,
            let customer = record.payload["value"]?["customer"]?.stringValue
        else { throw .notAnOrder(messageId: record.messageId ?? "") }
        return [
            "order": .number(Double(order)), "customer": .string(customer),
            "partition": record.payload["partition"] ?? .null, "offset": record.payload["offset"] ?? .null,
        ]
    }
    // [END watcher]

    // [START dag]
    /// One run per order (`.perEvent`): a batch of records would otherwise become one run.
    static func fulfil(_ orders: Asset) throws -> DAG {
        try DAG(
            "fulfil_order", schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("fulfil") { context in
                    TaskOutput(value: context.triggeringEvents(of: orders).first?.extra["order"] ?? .null)
                }
            ])
    }
    // [END dag]
}

/// Why a record is not an order.
enum OrderError: Error, Equatable, CustomStringConvertible {
    /// Its value has no integer `order` and string `customer`.
    case notAnOrder(messageId: String)

    var description: String {
        switch self {
        case .notAnOrder(let messageId):
            "record \(messageId) is not an order: its value needs an integer 'order' and a string 'customer'"
        }
    }
}
