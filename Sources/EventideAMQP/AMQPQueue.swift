/// A queue to declare (`queue.declare`), with the RabbitMQ arguments for dead-lettering and expiry.
public struct AMQPQueue: Sendable, Hashable {
    /// Empty: the broker names the queue (`amq.gen-…`), returned by `declare`.
    public var name: String
    public var durable: Bool
    /// Only this connection may use it, and it is deleted when the connection closes.
    public var exclusive: Bool
    /// Deleted by the broker when its last consumer cancels.
    public var autoDelete: Bool
    public var arguments: [String: AMQPFieldValue]

    public init(
        _ name: String, durable: Bool = false, exclusive: Bool = false, autoDelete: Bool = false,
        arguments: [String: AMQPFieldValue] = [:]
    ) {
        self.name = name
        self.durable = durable
        self.exclusive = exclusive
        self.autoDelete = autoDelete
        self.arguments = arguments
    }

    /// Rejected (nack without requeue) and expired messages go to `exchange` (`x-dead-letter-exchange`),
    /// with `routingKey` if given (`x-dead-letter-routing-key`, else their own routing key).
    public func deadLettering(to exchange: String, routingKey: String? = nil) -> AMQPQueue {
        var copy = self
        copy.arguments["x-dead-letter-exchange"] = .string(exchange)
        if let routingKey { copy.arguments["x-dead-letter-routing-key"] = .string(routingKey) }
        return copy
    }

    /// Messages expire after waiting `milliseconds` in this queue (`x-message-ttl`).
    public func messageTTL(milliseconds: Int64) -> AMQPQueue {
        var copy = self
        copy.arguments["x-message-ttl"] = .int(milliseconds)
        return copy
    }

    /// The queue itself is deleted after `milliseconds` without consumers or use (`x-expires`).
    public func expires(milliseconds: Int64) -> AMQPQueue {
        var copy = self
        copy.arguments["x-expires"] = .int(milliseconds)
        return copy
    }
}

/// What the broker says about a declared queue.
public struct AMQPQueueInfo: Sendable, Hashable {
    public let name: String
    public let messageCount: UInt32
    public let consumerCount: UInt32
}
