import EventideAMQP
import EventideTesting
import Foundation
import Testing

/// Against rabbitmq-server on 127.0.0.1:5672 (`scripts/servers up rabbitmq`; `.ci/run` starts it and fails if it cannot).
@Suite(
    "AMQP client against RabbitMQ", .enabled(if: rabbitmqIsRunning, Comment(rawValue: rabbitmqReason)),
    .timeLimit(.minutes(1)))
struct AMQPClientTests {
    @Test(
        "publish with confirms and consume with manual ack round-trip body, routing key, headers and properties, in order"
    )
    func roundTrip() async throws {
        let connection = try await AMQPConnection.connect(brokerConfiguration)
        let publisher = try await connection.openChannel()
        let exchange = uniqueName("orders"), queue = uniqueName("orders-created")
        try await publisher.declare(AMQPExchange(exchange, kind: .topic, autoDelete: true))
        try await publisher.declare(testQueue(queue))
        try await publisher.bind(queue: queue, to: exchange, routingKey: "order.*")
        try await publisher.enableConfirms()
        let sentAt = Date(timeIntervalSince1970: 1_700_000_000)
        let headers: [String: AMQPFieldValue] = [
            "tenant": "acme", "attempt": 3, "urgent": true, "ratio": 0.5,
            "tags": ["a", "b"], "origin": ["region": "eu", "zone": 2],
        ]
        let sent = (1...3).map { n in
            AMQPMessage(
                body: Array(#"{"order": \#(n)}"#.utf8), contentType: "application/json", headers: headers,
                persistent: true, priority: 4, correlationId: "c\(n)", replyTo: "replies", messageId: "m\(n)",
                timestamp: sentAt, type: "order.created", appId: "shop")
        }
        for message in sent { try await publisher.publish(message, to: exchange, routingKey: "order.created") }

        let consumerChannel = try await connection.openChannel()
        let consumer = try await consumerChannel.consume(queue: queue, prefetch: 10)
        let received = try await take(3, from: consumer)
        #expect(received.map(\.message) == sent, "body, headers and every property, in publish order")
        #expect(received.allSatisfy { $0.routingKey == "order.created" && $0.exchange == exchange && !$0.redelivered })
        #expect(received.map(\.message.text) == [#"{"order": 1}"#, #"{"order": 2}"#, #"{"order": 3}"#])
        for delivery in received { try await delivery.ack() }

        // Acknowledged: closing the consumer's channel requeues nothing.
        try await consumerChannel.close()
        #expect(try await publisher.inspect(queue: queue).messageCount == 0)
        try await publisher.delete(queue: queue)
        await connection.close()
    }

    @Test("an unacknowledged delivery is redelivered, flagged redelivered, after its consumer's channel closes")
    func redeliveryAfterChannelClose() async throws {
        let connection = try await AMQPConnection.connect(brokerConfiguration)
        let channel = try await connection.openChannel()
        let queue = uniqueName("redelivery")
        try await channel.declare(testQueue(queue))
        try await channel.enableConfirms()
        try await channel.publish(AMQPMessage("once", messageId: "m1"), routingKey: queue)

        let first = try await connection.openChannel()
        let firstDelivery = try #require(
            try await take(1, from: try await first.consume(queue: queue, prefetch: 1)).first)
        #expect(firstDelivery.message.messageId == "m1" && !firstDelivery.redelivered)
        #expect(
            try await channel.inspect(queue: queue).messageCount == 0, "held, unacknowledged, by the first consumer")
        try await first.close()  // without acking

        let second = try await connection.openChannel()
        let again = try #require(try await take(1, from: try await second.consume(queue: queue, prefetch: 1)).first)
        #expect(again.message.messageId == "m1" && again.message.text == "once")
        #expect(again.redelivered)
        try await again.ack()
        try await second.close()
        #expect(try await channel.inspect(queue: queue).messageCount == 0)
        try await channel.delete(queue: queue)
        await connection.close()
    }

    /// A work queue dead-lettering into a fanout exchange bound to a dead-letter queue.
    func deadLetterTopology(_ channel: AMQPChannel, work: AMQPQueue) async throws -> (dlx: String, dlq: String) {
        let dlx = uniqueName("dlx"), dlq = uniqueName("dlq")
        try await channel.declare(AMQPExchange(dlx, kind: .fanout, autoDelete: true))
        try await channel.declare(testQueue(dlq))
        try await channel.bind(queue: dlq, to: dlx)
        try await channel.declare(work.deadLettering(to: dlx))
        return (dlx, dlq)
    }

    static func death(_ delivery: AMQPDelivery) -> [String: AMQPFieldValue]? {
        delivery.message.headers["x-death"]?.arrayValue?.first?.tableValue
    }

    @Test("a message nacked without requeue is dead-lettered into the DLX queue, x-death saying rejected")
    func rejectedIsDeadLettered() async throws {
        let connection = try await AMQPConnection.connect(brokerConfiguration)
        let channel = try await connection.openChannel()
        let work = uniqueName("work")
        let (_, dlq) = try await deadLetterTopology(channel, work: testQueue(work))
        try await channel.enableConfirms()
        try await channel.publish(AMQPMessage("poison", headers: ["kind": "bad"], messageId: "p1"), routingKey: work)

        let consumerChannel = try await connection.openChannel()
        let delivery = try #require(try await take(1, from: try await consumerChannel.consume(queue: work)).first)
        try await delivery.nack(requeue: false)

        let dead = try #require(try await take(1, from: try await consumerChannel.consume(queue: dlq)).first)
        #expect(dead.message.text == "poison" && dead.message.messageId == "p1")
        #expect(dead.message.headers["kind"] == "bad", "the original headers are kept")
        let death = try #require(Self.death(dead), "x-death header: \(dead.message.headers)")
        #expect(death["reason"] == "rejected")
        #expect(death["queue"] == .string(work))
        #expect(death["count"] == 1)
        try await dead.ack()
        #expect(try await channel.inspect(queue: work).messageCount == 0)
        try await channel.delete(queue: work)
        try await channel.delete(queue: dlq)
        await connection.close()
    }

    @Test(
        "expired messages (per-queue x-message-ttl and per-message expiration) are dead-lettered, x-death saying expired"
    )
    func expiredIsDeadLettered() async throws {
        let connection = try await AMQPConnection.connect(brokerConfiguration)
        let channel = try await connection.openChannel()
        let queueTTL = uniqueName("ttl-queue"), messageTTL = uniqueName("ttl-message")
        let (dlx, dlq) = try await deadLetterTopology(channel, work: testQueue(queueTTL).messageTTL(milliseconds: 50))
        try await channel.declare(testQueue(messageTTL).deadLettering(to: dlx))
        try await channel.enableConfirms()
        try await channel.publish(AMQPMessage("queue ttl", messageId: "q1"), routingKey: queueTTL)
        try await channel.publish(AMQPMessage("message ttl", messageId: "e1", expiration: "50"), routingKey: messageTTL)

        // Nobody consumes the work queues: the broker expires both messages and dead-letters them.
        let dead = try await take(2, from: try await channel.consume(queue: dlq))
        let byId = Dictionary(uniqueKeysWithValues: dead.map { ($0.message.messageId ?? "", $0) })
        let fromQueueTTL = try #require(byId["q1"].flatMap(Self.death))
        let fromMessageTTL = try #require(byId["e1"].flatMap(Self.death))
        #expect(fromQueueTTL["reason"] == "expired" && fromQueueTTL["queue"] == .string(queueTTL))
        #expect(fromMessageTTL["reason"] == "expired" && fromMessageTTL["queue"] == .string(messageTTL))
        #expect(fromMessageTTL["original-expiration"] == "50")
        for delivery in dead { try await delivery.ack() }
        for queue in [queueTTL, messageTTL, dlq] { try await channel.delete(queue: queue) }
        await connection.close()
    }

    @Test("a publish to a missing exchange fails its confirm with a typed 404 channel error; a new channel works")
    func publishToMissingExchange() async throws {
        let connection = try await AMQPConnection.connect(brokerConfiguration)
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        let missing = uniqueName("no-such-exchange")
        do {
            try await channel.publish(AMQPMessage("lost"), to: missing, routingKey: "k")
            Issue.record("expected the broker to close the channel")
        } catch .channelClosed(let number, let code, let text, _) {
            #expect(number == channel.number)
            #expect(code == 404)
            #expect(text.contains("NOT_FOUND") && text.contains(missing))
        }
        // The channel is gone for good; the connection is not.
        await #expect(throws: AMQPError.self) { try await channel.declare(testQueue(uniqueName("after"))) }
        let fresh = try await connection.openChannel()
        let queue = uniqueName("fresh")
        #expect(try await fresh.declare(testQueue(queue)).name == queue)
        try await fresh.delete(queue: queue)
        #expect(await connection.isOpen)
        await connection.close()
    }

    @Test("wrong credentials give a typed login error")
    func wrongCredentials() async throws {
        var configuration = brokerConfiguration
        configuration.password = "wrong"
        do {
            _ = try await AMQPConnection.connect(configuration)
            Issue.record("expected the login to fail")
        } catch .loginFailed(_, let port, let vhost, _) {
            #expect(port == configuration.port && vhost == "/")
        }
    }
}

@Suite("AMQP client without a broker", .timeLimit(.minutes(1)))
struct AMQPClientUnreachableTests {
    @Test("a broker that is down gives a typed unreachable error that says how to start one")
    func brokerDown() async throws {
        // Port 1 (tcpmux): nothing listens there on these machines.
        let configuration = AMQPConfiguration(host: "127.0.0.1", port: 1, connectTimeout: 2)
        do {
            _ = try await AMQPConnection.connect(configuration)
            Issue.record("expected the connection to be refused")
        } catch {
            guard case .unreachable(let host, let port, _) = error else {
                Issue.record("expected .unreachable, got \(error)")
                return
            }
            #expect(host == "127.0.0.1" && port == 1)
            #expect(error.description.contains("scripts/servers up rabbitmq"))
        }
        #expect(throws: AMQPError.self) { _ = try AMQPConnection.connectBlocking(configuration) }
    }
}
