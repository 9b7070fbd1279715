import Synchronization

/// Publish/subscribe over a `TopicService` (the embedded `EventLog` or Kafka): publishers write to named topics,
/// subscribers declare a `Subscription` on a `TopicPattern`, and every record of a matching topic is delivered to
/// every subscription (fan-out), each through its own consumer group, so each keeps its own offsets and pace.
///
/// The broker adds no storage of its own: records and offsets live in the service, so a subscription resumes
/// after its last acknowledged record when its process starts again. It remembers which topics were declared
/// through it (patterns resolve over those) and its subscriptions.
///
/// ```swift
/// let broker = TopicBroker(service: EventLog(database: database))
/// try await broker.declare("orders.placed")
/// let email = try broker.subscribe("email", to: TopicPattern("orders.*"))
/// let watcher = AssetWatcher(name: "email", trigger: broker.trigger(for: email))
/// try await broker.publish(["order": 7], to: "orders.placed", key: "customer-42", type: "order.placed")
/// ```
public final class TopicBroker: Sendable, CustomStringConvertible {
    public let service: any TopicService
    private let state = Mutex<(topics: [String: Int], subscriptions: [String: Subscription])>(([:], [:]))

    public init(service: any TopicService) {
        self.service = service
    }

    public var description: String { "TopicBroker on \(service)" }

    // MARK: Topics

    /// Creates the topic on the service (or checks the existing one) and makes it visible to patterns.
    public func declare(_ topic: String, partitions: Int = 1) async throws {
        guard Self.isValidTopic(topic) else { throw PubSubError.invalidTopicName(topic) }
        try await service.createTopic(topic, partitions: partitions)
        state.withLock { $0.topics[topic] = partitions }
    }

    /// The declared topics, sorted.
    public var topics: [String] { state.withLock { $0.topics.keys.sorted() } }

    /// The declared topics `pattern` matches, sorted: where a publish to them is delivered.
    public func topics(matching pattern: TopicPattern) -> [String] {
        topics.filter(pattern.matches)
    }

    // MARK: Publishing

    /// Appends `value` to `topic` with the header `type` (and `headers`); `key` pins a partition. Returns where
    /// the record went. A topic that was not declared is refused: a typo would otherwise publish to nobody.
    @discardableResult
    public func publish(
        _ value: JSONValue, to topic: String, key: String? = nil, type: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> LogPosition {
        guard state.withLock({ $0.topics[topic] != nil }) else { throw PubSubError.undeclaredTopic(topic) }
        var headers = headers
        if let type { headers["type"] = type }
        return try await service.produce(topic, key: key, value: value, headers: headers)
    }

    /// The subscriptions a record published to `topic` is delivered to, by name.
    public func subscribers(of topic: String) -> [Subscription] {
        subscriptions.filter { $0.pattern.matches(topic) }
    }

    // MARK: Subscriptions

    /// Declares (or returns the identical existing) subscription `name` on `pattern`.
    @discardableResult
    public func subscribe(_ name: String, to pattern: TopicPattern) throws(PubSubError) -> Subscription {
        guard (1...100).contains(name.count),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else { throw .invalidSubscriptionName(name) }
        let subscription = Subscription(name: name, pattern: pattern)
        let existing: Subscription? = state.withLock { state in
            if let existing = state.subscriptions[name] { return existing }
            state.subscriptions[name] = subscription
            return nil
        }
        if let existing, existing != subscription {
            throw .subscriptionExists(name: name, pattern: existing.pattern.text)
        }
        return subscription
    }

    /// Every subscription, by name.
    public var subscriptions: [Subscription] {
        state.withLock { $0.subscriptions.values.sorted { $0.name < $1.name } }
    }

    /// The subscription named `name`.
    public func subscription(_ name: String) throws(PubSubError) -> Subscription {
        guard let subscription = state.withLock({ $0.subscriptions[name] }) else { throw .unknownSubscription(name) }
        return subscription
    }

    /// The records of every topic the subscription matches, for an `AssetWatcher` (see `SubscriptionTrigger`).
    public func trigger(for subscription: Subscription) -> any Trigger {
        SubscriptionTrigger(subscription: subscription, broker: self)
    }

    /// Per matching topic, what was published and what the subscription acknowledged.
    public func lag(of subscription: Subscription) async throws -> [SubscriptionLag] {
        var lags: [SubscriptionLag] = []
        for topic in topics(matching: subscription.pattern) {
            let end = try await service.endOffsets(topic).values.reduce(0, +)
            let committed = try await service.committedOffsets(group: subscription.group, topic: topic)
            lags.append(SubscriptionLag(topic: topic, published: end, acknowledged: committed.values.reduce(0, +)))
        }
        return lags
    }

    // MARK: Names

    static func isValidSegment(_ segment: Substring) -> Bool {
        !segment.isEmpty && segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    static func isValidTopic(_ topic: String) -> Bool {
        topic.count <= 200 && topic.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isValidSegment)
    }
}
