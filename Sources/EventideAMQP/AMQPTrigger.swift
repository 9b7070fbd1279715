import Eventide
import Foundation

/// Fires for every message delivered from a RabbitMQ queue: `amqp://user:pass@host:port/queue?prefetch=10`
/// (vhost `/` unless `?vhost=` names another; user and password default to guest/guest).
///
/// Each delivery becomes a `TriggerEvent` whose payload is
/// `{"body": <the body as JSON if it parses, else as a string>, "routingKey", "exchange", "headers", "redelivered"}`.
/// The message id is the `message-id` property when the producer set one (the delivery tag is not stable
/// across redeliveries, so without it redeliveries cannot be deduplicated). `acknowledge` is `basic.ack`,
/// which the triggerer calls only after the asset event is committed; `reject` is `basic.nack` without
/// requeue, which dead-letters the message into the queue's `x-dead-letter-exchange`. Deliveries never
/// acknowledged go back to the queue when the trigger's connection closes (the watcher stops or fails) and
/// arrive again with `redelivered: true`.
///
/// `events()` connects (bounded by `connectTimeout`) and throws when the broker cannot be reached or refuses
/// the login; the channel and consumer are opened on the first `next()`, which throws if the queue is missing.
/// When the connection is lost afterwards (the broker restarted or closed it), `next()` connects again with
/// jittered backoff (`reconnect`) and resumes consuming; the deliveries the lost connection had not acknowledged
/// come again from the broker, flagged redelivered. Only past `reconnect.deadline` does the sequence throw.
public struct AMQPTrigger: Trigger {
    public let configuration: AMQPConfiguration
    public let queue: String
    /// How many deliveries may be unacknowledged at once (`basic.qos`).
    public let prefetch: UInt16
    /// How a lost connection is opened again before the sequence gives up.
    public let reconnect: ReconnectBackoff

    public init(
        configuration: AMQPConfiguration, queue: String, prefetch: UInt16 = 10,
        reconnect: ReconnectBackoff = ReconnectBackoff()
    ) {
        self.configuration = configuration
        self.queue = queue
        self.prefetch = prefetch
        self.reconnect = reconnect
    }

    /// From `amqp://user:pass@host:port/queue?prefetch=&vhost=`.
    public init(uri: TriggerURI) throws(TriggerError) {
        guard uri.scheme == "amqp" else { throw TriggerError.invalidURI(uri.text, reason: "the scheme must be amqp") }
        let (host, port) = try uri.endpoint(defaultPort: 5672)
        let prefetch = try uri.integer("prefetch", in: 1...Int(UInt16.max)) ?? 10
        let configuration = AMQPConfiguration(
            host: host, port: port, vhost: uri.query["vhost"] ?? "/",
            user: uri.user?.removingPercentEncoding ?? "guest",
            password: uri.password?.removingPercentEncoding ?? "guest")
        self.init(configuration: configuration, queue: try uri.singlePathSegment("queue"), prefetch: UInt16(prefetch))
    }

    /// Registers the `amqp` scheme: `registry.registering(AMQPTrigger.factory)`.
    public static let factory = TriggerRegistry.Factory(scheme: "amqp") { uri in try AMQPTrigger(uri: uri) }

    public var description: String {
        "AMQPTrigger(amqp://\(configuration.host):\(configuration.port)/\(queue), vhost: \(configuration.vhost), prefetch: \(prefetch))"
    }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let session = Session(trigger: self, connection: try AMQPConnection.connectBlocking(configuration))
        return AsyncThrowingStream { try await session.next() }
    }

    /// Whether `error` means the connection is gone (connecting again may help), not that the broker refused
    /// something (a missing queue, a wrong login).
    static func isConnectionLoss(_ error: any Error) -> Bool {
        switch error as? AMQPError {
        case .unreachable?, .connectionClosed?, .library?, .timedOut?: true
        default: false
        }
    }

    /// One open sequence: its connection and consumer, opened again after a connection loss.
    private actor Session {
        let trigger: AMQPTrigger
        var connection: AMQPConnection?
        var consumer: AMQPConsumer?

        init(trigger: AMQPTrigger, connection: AMQPConnection) {
            self.trigger = trigger
            self.connection = connection
        }

        func next() async throws -> TriggerEvent? {
            try await trigger.reconnect.run(isTransient: AMQPTrigger.isConnectionLoss) {
                do {
                    var iterator = try await currentConsumer().makeAsyncIterator()
                    guard let delivery = try await iterator.next() else {
                        await connection?.close()  // cancelled: unacknowledged deliveries go back to the queue now
                        return nil
                    }
                    return AMQPTrigger.event(delivery)
                } catch {
                    if AMQPTrigger.isConnectionLoss(error) {
                        let lost = connection
                        connection = nil
                        consumer = nil
                        await lost?.close()
                    }
                    throw error
                }
            }
        }

        private func currentConsumer() async throws(AMQPError) -> AMQPConsumer {
            if let consumer { return consumer }
            let open: AMQPConnection
            if let connection {
                open = connection
            } else {
                open = try await AMQPConnection.connect(trigger.configuration)
            }
            connection = open
            let consumer = try await open.openChannel().consume(queue: trigger.queue, prefetch: trigger.prefetch)
            self.consumer = consumer
            return consumer
        }
    }

    static func event(_ delivery: AMQPDelivery) -> TriggerEvent {
        let message = delivery.message
        let text = message.text
        let body = (try? JSONValue.parse(text)) ?? .string(text)
        // Quorum queues count earlier deliveries in x-delivery-count; classic queues only say "redelivered".
        let deliveryCount: Int? =
            message.headers["x-delivery-count"]?.intValue.map { Int($0) + 1 }
            ?? (delivery.redelivered ? nil : 1)
        return TriggerEvent(
            payload: [
                "body": body, "routingKey": .string(delivery.routingKey), "exchange": .string(delivery.exchange),
                "headers": .object(message.headers.mapValues(\.json)), "redelivered": .bool(delivery.redelivered),
            ],
            messageId: message.messageId,
            occurredAt: message.timestamp,
            observedAt: Date(),
            deliveryCount: deliveryCount,
            acknowledge: { try await delivery.ack() },
            reject: { _ in try await delivery.nack(requeue: false) })
    }
}
