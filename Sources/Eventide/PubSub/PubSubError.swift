/// What went wrong with a topic, a pattern or a subscription of a `TopicBroker`.
public enum PubSubError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidTopicName(String)
    case invalidPattern(String, reason: String)
    /// A publish to a topic the broker was never told about.
    case undeclaredTopic(String)
    case invalidSubscriptionName(String)
    /// The name is taken by a subscription with another pattern.
    case subscriptionExists(name: String, pattern: String)
    case unknownSubscription(String)

    public var description: String {
        switch self {
        case .invalidTopicName(let name):
            "topic name '\(name)' is invalid: use dot-separated segments of letters, digits, '_' and '-'."
        case .invalidPattern(let pattern, let reason): "topic pattern '\(pattern)' is invalid: \(reason)."
        case .undeclaredTopic(let topic):
            "topic '\(topic)' is not declared: call TopicBroker.declare(\"\(topic)\") before publishing to it."
        case .invalidSubscriptionName(let name):
            "subscription name '\(name)' is invalid: use 1 to 100 letters, digits, '.', '_' and '-'."
        case .subscriptionExists(let name, let pattern):
            "subscription '\(name)' already exists with pattern '\(pattern)'; choose another name."
        case .unknownSubscription(let name): "no subscription named '\(name)'; create it with subscribe(_:to:)."
        }
    }
}
