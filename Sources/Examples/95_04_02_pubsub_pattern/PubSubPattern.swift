import Eventide

/// 95.4.2 — publish/subscribe: publisher DAGs emit to topics without knowing who listens; each subscriber declares a
/// subscription on a topic pattern and a DAG that runs on what it receives. One record fans out to every matching
/// subscription, each with its own offsets, so a slow subscriber only delays itself.
enum PubSubPattern {
    // [START topics]
    /// The topics publishers write to, and who subscribes to what. `*` is one segment, `#` any number.
    static func declare(on broker: TopicBroker, namespace: String) async throws -> [Subscription] {
        for topic in ["orders.placed", "orders.cancelled", "payments.settled"] {
            try await broker.declare("\(namespace).\(topic)")
        }
        return try [
            ("fulfilment", "orders.placed"), ("customer_email", "orders.*"), ("audit", "#"),
            ("ledger", "payments.*"),
        ].map { name, pattern in
            try broker.subscribe("\(namespace).\(name)", to: TopicPattern("\(namespace).\(pattern)"))
        }
    }
    // [END topics]

    // [START publisher]
    /// A publisher DAG: its task publishes the run's `conf.events` to one topic, keyed by customer. It names a
    /// topic, never a subscriber.
    static func publisher(_ dagId: String, topic: String, type: String, broker: TopicBroker) throws -> DAG {
        try DAG(
            dagId,
            tasks: [
                TaskDefinition("publish") { context in
                    var positions: [JSONValue] = []
                    for event in context.conf["events"]?.arrayValue ?? [] {
                        let position = try await broker.publish(
                            event, to: topic, key: event["customer"]?.stringValue, type: type)
                        positions.append(.string(position.description))
                    }
                    return TaskOutput(value: .array(positions))
                }
            ])
    }
    // [END publisher]

    // [START subscriber]
    /// A subscription as an asset: its watcher reads the subscription (every topic its pattern matches, as the
    /// subscription's own consumer group) and records each delivery as an asset event.
    static func inbox(_ subscription: Subscription, broker: TopicBroker) throws -> Asset {
        try Asset(
            uri: "pubsub://subscriptions/\(subscription.name)", name: subscription.name,
            watchers: [
                AssetWatcher(
                    name: subscription.name, trigger: broker.trigger(for: subscription),
                    extract: { record in
                        [
                            "topic": record.payload["topic"] ?? .null, "record": .string(record.messageId ?? ""),
                            "type": record.payload["headers"]?["type"] ?? .null,
                            "value": record.payload["value"] ?? .null,
                        ]
                    })
            ])
    }

    /// A subscriber DAG: one run per delivery, one at a time, each taking `pace` (the subscriber's own work).
    static func subscriber(_ inbox: Asset, pace: Duration) throws -> DAG {
        try DAG(
            "on_\(inbox.name.split(separator: ".").last ?? "")", schedule: .on([inbox]), maxActiveRuns: 1,
            assetTriggering: .perEvent,
            tasks: [
                TaskDefinition("handle") { context in
                    try await context.clock.sleep(for: pace)
                    return TaskOutput(value: context.triggeringEvents(of: inbox).first?.extra["record"] ?? .null)
                }
            ])
    }
    // [END subscriber]
}
