import Eventide

/// 117.2.1 — an asset fed by an SQS queue: an `AssetWatcher` on the queue's trigger turns each message into an
/// asset event, and a DAG scheduled on the asset runs once per message. The triggerer deletes a message only after
/// its asset event is committed, so the queue's visibility timeout decides how soon a message held by a consumer
/// that died comes back. The same code runs on the embedded SQLite queues and on SQS: only the `QueueService` differs.
enum SQSWatcherSetup {
    static let dagId = "process_orders"
    static let watcherName = "orders_sqs"

    // [START queue]
    /// The queue, and the trigger that delivers its messages: `EmbeddedQueueTrigger` or `SQSTrigger`, whichever
    /// service `--sqs` chose. A message received and not deleted stays invisible for `visibilityTimeout`.
    static func openQueue(
        _ queue: String, on service: any QueueService,
        visibilityTimeout: Duration
    ) async throws -> any Trigger {
        try await service.createQueue(queue, QueueSettings(visibilityTimeout: visibilityTimeout))
        return service.trigger(for: queue, visibilityTimeout: nil, wait: .seconds(1))
    }
    // [END queue]

    // [START watcher]
    /// The asset event's extra: the order from the JSON body, and where the message came from. A body without
    /// an integer order is refused: the watcher dead-letters it instead of recording it.
    static func extract(_ event: TriggerEvent) throws -> [String: JSONValue] {
        guard let order = event.payload["body"]?["order"]?.exactIntegerValue, let messageId = event.messageId else {
            throw OrderError.noOrder(messageId: event.messageId)
        }
        return [
            "order": .number(Double(order)), "message_id": .string(messageId),
            "delivery_count": .number(Double(event.deliveryCount ?? 1)),
            "attributes": event.payload["attributes"] ?? [:],
        ]
    }

    /// `sqs://<queue>`, watched: each message becomes one asset event (a redelivered one is a counted duplicate).
    static func ordersAsset(queue: String, trigger: any Trigger, connectionId: String?) throws -> Asset {
        let watcher = AssetWatcher(name: watcherName, trigger: trigger, extract: extract, connectionId: connectionId)
        return try Asset(uri: "sqs://\(queue)", name: "orders_queue", watchers: [watcher])
    }
    // [END watcher]

    // [START dag]
    /// One run per asset event (`.perEvent`), returning the order it processed.
    static func processOrders(_ orders: Asset) throws -> DAG {
        try DAG(
            dagId, schedule: .on([orders]), assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("process") { context in
                    TaskOutput(value: .array(context.triggeringEvents(of: orders).compactMap { $0.extra["order"] }))
                }
            ])
    }
    // [END dag]

    /// Why a message could not become an asset event.
    enum OrderError: Error, Equatable, CustomStringConvertible {
        case noOrder(messageId: String?)

        var description: String {
            switch self {
            case .noOrder(let id):
                "message \(id ?? "without an id") has no integer 'order' in its JSON body; it is dead-lettered"
            }
        }
    }
}
