/// A channel of an `AMQPConnection`: where exchanges, queues and bindings are declared, messages published
/// (with confirms once `enableConfirms()` was called), consumers started and deliveries acknowledged.
///
/// A value that names the channel; every call runs on the connection's thread. Once the broker closes the
/// channel (e.g. 404 NOT_FOUND for a publish to a missing exchange), every call throws
/// `AMQPError.channelClosed` with the broker's reply code and text; open a new channel.
public struct AMQPChannel: Sendable, Hashable {
    public let connection: AMQPConnection
    /// The AMQP channel number.
    public let number: UInt16
    /// Distinguishes this channel from a later one that reuses its number.
    let serial: UInt64

    init(connection: AMQPConnection, number: UInt16, serial: UInt64) {
        self.connection = connection
        self.number = number
        self.serial = serial
    }

    public static func == (lhs: AMQPChannel, rhs: AMQPChannel) -> Bool {
        lhs.connection === rhs.connection && lhs.number == rhs.number && lhs.serial == rhs.serial
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(connection))
        hasher.combine(number)
        hasher.combine(serial)
    }

    // MARK: Topology

    /// `exchange.declare`; throws `.channelClosed` with 406 when it exists with other settings.
    public func declare(_ exchange: AMQPExchange) async throws(AMQPError) {
        try await connection.declare(exchange, on: self)
    }

    /// `queue.declare`: creates the queue, or checks an existing one has the same settings; returns its
    /// (possibly broker-generated) name and how many messages and consumers it has.
    @discardableResult
    public func declare(_ queue: AMQPQueue) async throws(AMQPError) -> AMQPQueueInfo {
        try await connection.declare(queue, passive: false, on: self)
    }

    /// `queue.declare` passive: the queue's counts, or `.channelClosed` with 404 when it does not exist.
    public func inspect(queue name: String) async throws(AMQPError) -> AMQPQueueInfo {
        try await connection.declare(AMQPQueue(name), passive: true, on: self)
    }

    /// `queue.bind`: messages published to `exchange` with a matching routing key go to `queue`.
    public func bind(
        queue: String, to exchange: String, routingKey: String = "",
        arguments: [String: AMQPFieldValue] = [:]
    ) async throws(AMQPError) {
        try await connection.bind(
            queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments, on: self)
    }

    /// `queue.delete`; returns how many messages it held.
    @discardableResult
    public func delete(queue: String) async throws(AMQPError) -> UInt32 {
        try await connection.deleteQueue(queue, on: self)
    }

    /// `exchange.delete`.
    public func delete(exchange: String) async throws(AMQPError) {
        try await connection.deleteExchange(exchange, on: self)
    }

    // MARK: Publishing

    /// `confirm.select`: from now on each publish waits until the broker confirms it has the message.
    public func enableConfirms() async throws(AMQPError) {
        try await connection.enableConfirms(on: self)
    }

    /// `basic.publish`. In confirm mode, returns once the broker confirmed the message, and throws
    /// `.publishNacked` if it refused it or `.channelClosed` if it closed the channel instead (a missing
    /// exchange). Without confirms it returns once the message is written to the socket.
    public func publish(
        _ message: AMQPMessage, to exchange: String = "", routingKey: String,
        mandatory: Bool = false
    ) async throws(AMQPError) {
        try await connection.publish([(message, exchange, routingKey)], mandatory: mandatory, on: self)
    }

    /// Publishes several messages, then (in confirm mode) waits once for all their confirms: much faster
    /// than confirming one by one.
    public func publish(batch: [AMQPMessage], to exchange: String = "", routingKey: String) async throws(AMQPError) {
        try await connection.publish(batch.map { ($0, exchange, routingKey) }, mandatory: false, on: self)
    }

    // MARK: Consuming

    /// `basic.consume` with manual acknowledgement; `prefetch` sets `basic.qos` (how many deliveries may be
    /// unacknowledged at once) first. Iterate the returned consumer for deliveries.
    public func consume(
        queue: String, prefetch: UInt16? = nil, consumerTag: String = "",
        exclusive: Bool = false
    ) async throws(AMQPError) -> AMQPConsumer {
        try await connection.consume(
            queue: queue, prefetch: prefetch, consumerTag: consumerTag, exclusive: exclusive, on: self)
    }

    /// `basic.ack` of a delivery received on this channel.
    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) async throws(AMQPError) {
        try await connection.ack(deliveryTag, multiple: multiple, on: self)
    }

    /// `basic.nack`: `requeue: false` dead-letters the message (or drops it when its queue has no
    /// dead-letter exchange).
    public func nack(_ deliveryTag: UInt64, multiple: Bool = false, requeue: Bool) async throws(AMQPError) {
        try await connection.nack(deliveryTag, multiple: multiple, requeue: requeue, on: self)
    }

    /// `channel.close`: its consumers end, and what they received without acknowledging goes back to the
    /// queue (redelivered, with the `redelivered` flag set).
    public func close() async throws(AMQPError) {
        try await connection.closeChannel(self)
    }
}
