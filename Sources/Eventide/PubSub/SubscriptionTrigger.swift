/// The records of every topic a subscription matches, merged into one trigger: one consumer-group member per
/// topic (`TopicService.trigger(topic:group:)`, the embedded log or Kafka), all in the subscription's group.
///
/// The topics are resolved when `events()` opens, from the topics the broker has declared by then: a topic
/// declared later joins the subscription at the watcher's next start. Events keep the service's payload
/// (`value`, `key`, `headers`, `topic`, `partition`, `offset`) plus `subscription`; acknowledging one commits
/// the subscription's offset in its topic. Records of one partition arrive in order; records of different
/// topics interleave in the order they are read.
public struct SubscriptionTrigger: Trigger {
    public let subscription: Subscription
    public let broker: TopicBroker

    public init(subscription: Subscription, broker: TopicBroker) {
        self.subscription = subscription
        self.broker = broker
    }

    public var description: String { "SubscriptionTrigger(\(subscription.name) ← \(subscription.pattern))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let topics = broker.topics(matching: subscription.pattern)
        let name = subscription.name
        var sources: [AsyncThrowingStream<TriggerEvent, any Error>] = []
        for topic in topics {
            sources.append(try broker.service.trigger(topic: topic, group: subscription.group).events())
        }
        let (stream, continuation) = AsyncThrowingStream<TriggerEvent, any Error>.makeStream()
        let reader = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for source in sources {
                        group.addTask {
                            for try await event in source {
                                var event = event
                                var payload = event.payload.objectValue ?? ["value": event.payload]
                                payload["subscription"] = .string(name)
                                event.payload = .object(payload)
                                continuation.yield(event)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                // Every source ended (the watcher stopped); with no topic matched yet, stay open until then.
                if sources.isEmpty { try await Task.sleep(for: .seconds(365 * 24 * 3600)) }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return stream
    }
}
