/// The deliveries of one `basic.consume`, as an async sequence, acknowledged by hand.
///
/// Each `next()` runs on the connection's thread and reads with a timeout of `pollInterval`, returning to
/// the executor between reads (so acks and publishes interleave) and checking for task cancellation. The
/// sequence ends when the task is cancelled or the broker cancels the consumer (its queue was deleted), and
/// throws when the channel or connection closes.
public struct AMQPConsumer: AsyncSequence, Sendable {
    public typealias Element = AMQPDelivery
    public typealias Failure = AMQPError

    public let channel: AMQPChannel
    public let queue: String
    /// The broker's tag for this consumer.
    public let consumerTag: String

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(channel: channel, consumerTag: consumerTag)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: AMQPChannel
        let consumerTag: String

        public mutating func next() async throws(AMQPError) -> AMQPDelivery? {
            try await Self.next(channel: channel, consumerTag: consumerTag)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(AMQPError) -> AMQPDelivery? {
            try await Self.next(channel: channel, consumerTag: consumerTag)
        }

        private static func next(channel: AMQPChannel, consumerTag: String) async throws(AMQPError) -> AMQPDelivery? {
            while !Task.isCancelled {
                switch try await channel.connection.poll(consumerTag, on: channel) {
                case .delivery(let delivery): return delivery
                case .ended: return nil
                case .idle: continue
                }
            }
            return nil
        }
    }
}
