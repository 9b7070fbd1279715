/// A named, durable interest in the topics a pattern matches. It reads as its own consumer group, so it has its
/// own committed offset in every topic it receives: each subscription gets every record, at its own pace.
public struct Subscription: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let pattern: TopicPattern

    public init(name: String, pattern: TopicPattern) {
        self.name = name
        self.pattern = pattern
    }

    /// The consumer group that holds this subscription's offsets.
    public var group: String { "subscription.\(name)" }

    public var description: String { "\(name) ← \(pattern)" }
}

/// How far a subscription is behind in one topic.
public struct SubscriptionLag: Sendable, Hashable, Codable {
    public let topic: String
    /// Records appended to the topic (sum of end offsets over its partitions).
    public let published: Int
    /// Records the subscription has acknowledged (sum of its committed offsets).
    public let acknowledged: Int
    public var lag: Int { published - acknowledged }
}
