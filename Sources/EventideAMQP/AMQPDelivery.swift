/// A message the broker delivered to a consumer (`basic.deliver`), to be acknowledged or rejected on the
/// channel that received it.
public struct AMQPDelivery: Sendable {
    public let message: AMQPMessage
    public let exchange: String
    public let routingKey: String
    /// The channel-scoped tag `ack` and `nack` name; not stable across redeliveries.
    public let deliveryTag: UInt64
    /// Whether the broker delivered this message before (to a consumer that did not acknowledge it).
    public let redelivered: Bool
    public let consumerTag: String
    /// The channel it arrived on.
    public let channel: AMQPChannel

    /// `basic.ack`: the broker forgets the message.
    public func ack() async throws(AMQPError) {
        try await channel.ack(deliveryTag)
    }

    /// `basic.nack`: with `requeue: false` the broker drops the message, or dead-letters it into the queue's
    /// dead-letter exchange (`x-dead-letter-exchange`) with reason `rejected`; with `requeue: true` it
    /// delivers it again.
    public func nack(requeue: Bool) async throws(AMQPError) {
        try await channel.nack(deliveryTag, requeue: requeue)
    }
}
