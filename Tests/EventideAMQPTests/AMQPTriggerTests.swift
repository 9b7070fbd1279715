import Eventide
import EventideAMQP
import EventideTesting
import Foundation
import Synchronization
import Testing

@Suite("AMQP trigger URIs", .timeLimit(.minutes(1)))
struct AMQPTriggerURITests {
    @Test(
        "amqp://user:pass@host:port/queue?prefetch= names the broker, credentials, queue and prefetch; vhost / by default"
    )
    func uri() throws {
        let registry = TriggerRegistry().registering(AMQPTrigger.factory)
        let trigger = try #require(
            try registry.trigger(for: "amqp://app:s%40cret@127.0.0.1:5673/orders?prefetch=5") as? AMQPTrigger)
        #expect(trigger.configuration.host == "127.0.0.1" && trigger.configuration.port == 5673)
        #expect(trigger.configuration.user == "app" && trigger.configuration.password == "s@cret")
        #expect(trigger.configuration.vhost == "/")
        #expect(trigger.queue == "orders" && trigger.prefetch == 5)
        let defaults = try #require(try registry.trigger(for: "amqp://localhost/jobs?vhost=staging") as? AMQPTrigger)
        #expect(
            defaults.configuration.port == 5672 && defaults.configuration.user == "guest" && defaults.prefetch == 10)
        #expect(defaults.configuration.vhost == "staging")
        #expect(throws: TriggerError.self) { try registry.trigger(for: "amqp://localhost/jobs?prefetch=0") }
        #expect(throws: TriggerError.self) { try registry.trigger(for: "amqp://localhost/") }
    }

    @Test("opening the trigger's events throws when no broker answers")
    func unreachable() throws {
        let trigger = try AMQPTrigger(uri: TriggerURI("amqp://127.0.0.1:1/orders"))
        #expect(throws: AMQPError.self) { _ = try trigger.events() }
    }
}

/// Watchers on a RabbitMQ queue through an `Orchestrator`, as in TriggererTests.
@Suite(
    "AMQP trigger against RabbitMQ", .enabled(if: rabbitmqIsRunning, Comment(rawValue: rabbitmqReason)),
    .timeLimit(.minutes(1)))
struct AMQPTriggerTests {
    let asset = try! Asset(uri: "s3://lake/orders")

    func setUp(_ watcher: AssetWatcher) async throws -> Orchestrator {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("amqp-trigger"))
        let watched = asset.watched(by: [watcher])
        let dag = try DAG("consumer", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: [watched])
        return orchestrator
    }

    func uri(_ queue: String, prefetch: Int = 10) -> String {
        "amqp://guest:guest@127.0.0.1:\(LocalServer.rabbitmq.port)/\(queue)?prefetch=\(prefetch)"
    }

    /// A channel to set up queues and publish with confirms.
    func publisher() async throws -> AMQPChannel {
        let channel = try await AMQPConnection.connect(brokerConfiguration).openChannel()
        try await channel.enableConfirms()
        return channel
    }

    /// The asset expects an object body with a string `key`; anything else is a poison message.
    static func requireKey(_ event: TriggerEvent) throws -> [String: JSONValue] {
        guard case .string(let key)? = event.payload["body"]?["key"] else {
            throw EventError.schemaViolation(
                type: "orders", reason: "body has no string 'key': \(event.payload["body"]?.jsonText ?? "none")")
        }
        return ["key": .string(key), "redelivered": event.payload["redelivered"] ?? .null]
    }

    @Test(
        "deliveries become asset events with body, routing key and headers, acknowledged only after they are committed")
    func deliveriesBecomeAssetEvents() async throws {
        let channel = try await publisher()
        let queue = uniqueName("watched")
        try await channel.declare(testQueue(queue))
        let trigger = try TriggerRegistry().registering(AMQPTrigger.factory).trigger(for: uri(queue))
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger))
        try await within(30, "two deliveries recorded") {
            try await orchestrator.withServices {
                _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
                try await channel.publish(
                    AMQPMessage(#"{"key": "a.csv"}"#, headers: ["source": "lake"], messageId: "m1"),
                    routingKey: queue)
                try await channel.publish(AMQPMessage("plain text", messageId: "m2"), routingKey: queue)
                _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 2 }
            }
        }
        let events = try await orchestrator.scheduler.assetEvents(for: asset.key)
        let payloads = events.compactMap { $0.extra["payload"] }
        #expect(payloads.map { $0["body"] } == [["key": "a.csv"], "plain text"], "JSON when it parses, else the text")
        #expect(payloads.allSatisfy { $0["routingKey"] == .string(queue) && $0["redelivered"] == false })
        #expect(payloads.first?["headers"] == ["source": "lake"])
        #expect(events.map(\.source) == [.watcher(name: "w", messageId: "m1"), .watcher(name: "w", messageId: "m2")])
        // Both were acknowledged: with the watcher's connection closed, nothing went back to the queue.
        #expect(try await channel.inspect(queue: queue).messageCount == 0)
        try await channel.delete(queue: queue)
        await channel.connection.close()
    }

    @Test(
        "a poison message is kept in the runtime's dead-letter queue and nacked into the queue's DLX; the next is recorded"
    )
    func poisonMessageEndsInDeadLetterExchange() async throws {
        let channel = try await publisher()
        let queue = uniqueName("watched"), dlx = uniqueName("dlx"), dlq = uniqueName("dlq")
        try await channel.declare(AMQPExchange(dlx, kind: .fanout, autoDelete: true))
        try await channel.declare(testQueue(dlq))
        try await channel.bind(queue: dlq, to: dlx)
        try await channel.declare(testQueue(queue).deadLettering(to: dlx))
        let orchestrator = try await setUp(
            AssetWatcher(
                name: "w", trigger: try AMQPTrigger(uri: TriggerURI(uri(queue))),
                extract: Self.requireKey))
        let status = try await within(30, "the poison dead-lettered and the good message recorded") {
            try await orchestrator.withServices {
                _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
                try await channel.publish(AMQPMessage(#"{"oops": 1}"#, messageId: "poison"), routingKey: queue)
                try await channel.publish(AMQPMessage(#"{"key": "b.csv"}"#, messageId: "good"), routingKey: queue)
                return try await orchestrator.triggerer.waitFor(watcher: "w") {
                    $0.eventsRecorded == 1 && $0.deadLettered == 1
                }
            }
        }
        #expect(status.restarts == 0, "the poison did not fail the watcher")
        let letters = try await orchestrator.triggerer.deadLetters.list(source: "w")
        #expect(letters.map(\.messageId) == ["poison"])
        #expect(letters.first?.reason.contains("no string 'key'") == true)
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).map { $0.extra["key"] } == ["b.csv"])

        let dead = try await take(1, from: try await channel.consume(queue: dlq))
        #expect(dead.map(\.message.messageId) == ["poison"])
        let death = dead.first?.message.headers["x-death"]?.arrayValue?.first?.tableValue
        #expect(death?["reason"] == "rejected" && death?["queue"] == .string(queue))
        try await dead.first?.ack()
        #expect(try await channel.inspect(queue: queue).messageCount == 0)
        for name in [queue, dlq] { try await channel.delete(queue: name) }
        await channel.connection.close()
    }

    @Test(
        "deliveries not acknowledged when a watcher stops come back, redelivered, when it starts again; each is recorded once"
    )
    func unacknowledgedComeBackAfterRestart() async throws {
        let channel = try await publisher()
        let queue = uniqueName("watched")
        try await channel.declare(testQueue(queue))
        for n in 1...5 {
            try await channel.publish(AMQPMessage(#"{"key": "\#(n).csv"}"#, messageId: "m\(n)"), routingKey: queue)
        }
        // The first time it is opened, the trigger passes on two deliveries and holds the rest (prefetched,
        // unacknowledged) until the watcher is stopped.
        let trigger = HoldingTrigger(
            AMQPTrigger(configuration: brokerConfiguration, queue: queue, prefetch: 10), passOnFirstOpen: 2)
        let orchestrator = try await setUp(AssetWatcher(name: "w", trigger: trigger, extract: Self.requireKey))
        let status = try await within(30, "all five recorded across a restart") {
            try await orchestrator.withServices {
                _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 2 }
                #expect(
                    try await channel.inspect(queue: queue).messageCount == 0,
                    "the other three are with the stopped-to-be watcher")
                try await orchestrator.triggerer.stop(watcher: "w")
                _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .stopped)
                try await orchestrator.triggerer.start(watcher: "w")
                return try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 5 }
            }
        }
        #expect(status.duplicates == 0 && trigger.opened == 2)
        let events = try await orchestrator.scheduler.assetEvents(for: asset.key)
        #expect(events.map { $0.extra["key"] } == ["1.csv", "2.csv", "3.csv", "4.csv", "5.csv"])
        #expect(events.map { $0.extra["redelivered"] } == [false, false, true, true, true])
        #expect(try await channel.inspect(queue: queue).messageCount == 0)
        try await channel.delete(queue: queue)
        await channel.connection.close()
    }

    @Test(
        "when the broker drops every connection mid-stream, the trigger reconnects with backoff (the watcher does not restart) and records every message once"
    )
    func brokerDropsConnections() async throws {
        let channel = try await publisher()
        let queue = uniqueName("watched")
        try await channel.declare(testQueue(queue))
        let orchestrator = try await setUp(
            AssetWatcher(
                name: "w", trigger: try AMQPTrigger(uri: TriggerURI(uri(queue))), extract: Self.requireKey,
                restart: RetryPolicy(retries: 50, delay: .milliseconds(100))))
        let status = try await within(45, "both messages recorded across the broker closing connections") {
            try await orchestrator.withServices {
                _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
                try await channel.publish(AMQPMessage(#"{"key": "1.csv"}"#, messageId: "m1"), routingKey: queue)
                _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 1 }
                try closeAllConnections()  // the broker ends the watcher's connection (and the publisher's)
                let again = try await publisher()
                try await again.publish(AMQPMessage(#"{"key": "2.csv"}"#, messageId: "m2"), routingKey: queue)
                let status = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 2 }
                #expect(try await again.inspect(queue: queue).messageCount == 0)
                try await again.delete(queue: queue)
                await again.connection.close()
                return status
            }
        }
        #expect(status.duplicates == 0)
        #expect(status.restarts == 0, "the trigger reconnected on its own")
        #expect(
            try await orchestrator.scheduler.assetEvents(for: asset.key).map { $0.extra["key"] } == ["1.csv", "2.csv"])
    }

    /// `rabbitmqctl close_all_connections` through scripts/servers (which knows the node's name and cookie).
    func closeAllConnections() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "bash", "scripts/servers", "admin", "rabbitmq", "close_all_connections", "eventide fault test",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "scripts/servers admin rabbitmq close_all_connections failed")
    }
}

/// Wraps a trigger: the first sequence it opens passes on `passOnFirstOpen` events and then holds (never
/// asking the source for more) until its task is cancelled; later sequences pass everything on.
final class HoldingTrigger: Trigger {
    let inner: any Trigger
    let passOnFirstOpen: Int
    private let opens = Mutex(0)

    init(_ inner: any Trigger, passOnFirstOpen: Int) {
        self.inner = inner
        self.passOnFirstOpen = passOnFirstOpen
    }

    var opened: Int { opens.withLock { $0 } }
    var description: String { "HoldingTrigger(\(inner))" }

    func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let source = try inner.events()
        let open = opens.withLock {
            $0 += 1; return $0
        }
        let limit = open == 1 ? passOnFirstOpen : Int.max
        let iterator = IteratorBox(source.makeAsyncIterator())
        return AsyncThrowingStream {
            if iterator.passed.withLock({ $0 }) >= limit {
                // Parked, not waiting for anything: the watcher's stop cancels this.
                try await Task.sleep(for: .seconds(600))
                return nil
            }
            iterator.passed.withLock { $0 += 1 }
            return try await iterator.next()
        }
    }

    private final class IteratorBox: @unchecked Sendable {
        // Used by one stream, whose elements are asked for one at a time.
        var iterator: AsyncThrowingStream<TriggerEvent, any Error>.AsyncIterator
        let passed = Mutex(0)
        init(_ iterator: AsyncThrowingStream<TriggerEvent, any Error>.AsyncIterator) { self.iterator = iterator }
        func next() async throws -> TriggerEvent? { try await iterator.next() }
    }
}
