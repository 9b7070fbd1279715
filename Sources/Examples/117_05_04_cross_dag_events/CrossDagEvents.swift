import Eventide

/// 117.5.4 — one DAG produces an asset, another consumes it through a watcher: the producer's outlet drives a
/// queue (an outbox relay carrying the lineage headers), a watcher on the consumer side turns each message into an
/// asset event, and a `LineageTracker` records correlation and causation ids and a span per step, so the path from
/// the source message to the consuming task can be printed, and `LineageExplainer` says why an event did or did
/// not trigger each consumer.
enum CrossDagEvents {
    // [START assets]
    /// Watched on both sides: `raw_orders` (the shop's queue) feeds the producer; `orders_feed` (the producer's
    /// outbox queue) feeds the consumers. `orders` is what the producer writes; `audit_window` nothing writes yet.
    struct Assets: Sendable {
        let rawOrders, orders, ordersFeed, auditWindow: Asset

        init(queues: EmbeddedQueue) throws {
            rawOrders = try Asset(uri: "eventide://queue/orders-in", name: "raw_orders").watched(by: [
                AssetWatcher(
                    name: "orders_in_watcher",
                    trigger: queues.trigger(for: "orders-in", visibilityTimeout: nil, wait: .milliseconds(50)))
            ])
            orders = try Asset(uri: "s3://warehouse/orders", name: "orders")
            ordersFeed = try Asset(uri: "eventide://queue/orders-outbox", name: "orders_feed").watched(by: [
                AssetWatcher(
                    name: "orders_feed_watcher",
                    trigger: queues.trigger(for: "orders-outbox", visibilityTimeout: nil, wait: .milliseconds(50)))
            ])
            auditWindow = try Asset(uri: "s3://audit/window", name: "audit_window")
        }

        var all: [Asset] { [rawOrders, orders, ordersFeed, auditWindow] }
    }
    // [END assets]

    // [START producer]
    /// The producing DAG: on each order message, validate it and publish `orders` (its outlet).
    static func producer(_ assets: Assets) throws -> DAG {
        try DAG(
            "orders_producer", schedule: .on([assets.rawOrders]),
            tasks: [
                TaskDefinition("validate") { context in
                    let body = context.triggeringAssetEvents.first?.extra[AssetEvent.payloadKey]?["body"]
                    guard let order = body?["order"]?.stringValue else { throw OrderError.noOrderId }
                    return TaskOutput(value: .string(order))
                },
                TaskDefinition("publish", upstream: ["validate"], outlets: [assets.orders]) { context in
                    TaskOutput(outletExtra: [assets.orders.key: ["order": context.upstreamValues["validate"] ?? .null]])
                },
            ])
    }
    // [END producer]

    // [START relay]
    /// The producer's outlet drives the outbox queue: each `orders` event is sent on with its lineage headers
    /// (the correlation id, the event as causation id, its span as W3C `traceparent`), as an outbox relay or an
    /// Airflow listener (`on_asset_changed`) forwards events to another deployment.
    static func relay(
        _ events: AsyncStream<AssetEvent>, of assets: Assets, to queues: EmbeddedQueue, tracker: LineageTracker
    ) async throws {
        for await event in events where event.asset == assets.orders.key {
            let headers = try await tracker.headers(forEvent: event.id)
            _ = try await queues.send(
                "orders-outbox", body: JSONValue.object(event.extra).jsonText, attributes: headers.attributes)
        }
    }
    // [END relay]

    // [START consumers]
    /// The consuming DAGs, fed by the watcher on the outbox: `billing` runs on every order; `audit` also waits
    /// for an audit window, which nothing has produced.
    static func consumers(_ assets: Assets) throws -> [DAG] {
        [
            try DAG(
                "billing", schedule: .on([assets.ordersFeed]),
                tasks: [
                    TaskDefinition("invoice") { context in
                        let body = context.triggeringAssetEvents.first?.extra[AssetEvent.payloadKey]?["body"]
                        return TaskOutput(value: body?["order"] ?? .null)
                    }
                ]),
            try DAG(
                "audit", schedule: .on(assets.ordersFeed & assets.auditWindow),
                tasks: [TaskDefinition("audit") { _ in .none }]),
        ]
    }
    // [END consumers]
}

/// Why an order message cannot be produced.
enum OrderError: Error, Equatable, CustomStringConvertible {
    case noOrderId

    var description: String { "the order message has no body.order: send {\"order\": \"<id>\", …}" }
}
