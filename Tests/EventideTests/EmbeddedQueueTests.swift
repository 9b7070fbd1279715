import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Embedded queue: SQS semantics on SQLite", .timeLimit(.minutes(3)))
struct EmbeddedQueueTests {
    func queues(_ clock: TestClock = TestClock()) throws -> EmbeddedQueue {
        EmbeddedQueue(database: try TemporaryDatabase.make("queue"), clock: EventideClock(clock))
    }

    @Test("a received message is in flight, invisible to others, until deleted with its receipt")
    func roundTrip() async throws {
        let queues = try queues(TestClock())
        try await queues.createQueue("orders")
        let id = try await queues.send("orders", body: #"{"order": 7}"#, attributes: ["type": "order.placed"])
        let message = try #require(try await queues.receive("orders").first)
        #expect(
            message.messageId == id && message.body == #"{"order": 7}"#
                && message.attributes == ["type": "order.placed"])
        #expect(message.receiveCount == 1)
        #expect(try await queues.counts("orders") == (visible: 0, inFlight: 1))
        #expect(try await queues.receive("orders").isEmpty, "invisible while in flight")
        #expect(try await queues.delete("orders", receipt: message.receipt))
        #expect(try await queues.counts("orders") == (visible: 0, inFlight: 0))
    }

    @Test(
        "when the visibility timeout runs out, the message comes back with the same id, a higher count and a new receipt; the old receipt deletes nothing"
    )
    func visibilityTimeout() async throws {
        let clock = TestClock()
        let queues = try queues(clock)
        try await queues.createQueue("orders", .init(visibilityTimeout: .seconds(30)))
        try await queues.send("orders", body: "a")
        let first = try #require(try await queues.receive("orders").first)
        await clock.advance(by: .seconds(29))
        #expect(try await queues.receive("orders").isEmpty)
        await clock.advance(by: .seconds(1))
        let again = try #require(try await queues.receive("orders").first)
        #expect(again.messageId == first.messageId && again.receiveCount == 2 && again.receipt != first.receipt)
        #expect(try await queues.delete("orders", receipt: first.receipt) == false, "a stale receipt")
        #expect(try await queues.counts("orders").inFlight == 1)
        #expect(try await queues.release("orders", receipt: again.receipt), "nack: visible at once")
        #expect(try await queues.receive("orders").first?.receiveCount == 3)
    }

    @Test("after maxReceives receives without a delete, the next receive moves the message to the DLQ with the reason")
    func redrive() async throws {
        let clock = TestClock()
        let queues = try queues(clock)
        try await queues.createQueue("orders-dlq")
        try await queues.createQueue(
            "orders", .init(visibilityTimeout: .seconds(10), deadLetterQueue: "orders-dlq", maxReceives: 2))
        let id = try await queues.send("orders", body: "poison", attributes: ["type": "order.placed"])
        for attempt in 1...2 {
            #expect(try await queues.receive("orders").first?.receiveCount == attempt)
            await clock.advance(by: .seconds(10))
        }
        #expect(try await queues.receive("orders").isEmpty)
        let dead = try #require(try await queues.receive("orders-dlq").first)
        #expect(dead.messageId == id && dead.body == "poison")
        #expect(dead.attributes["type"] == "order.placed")
        #expect(dead.attributes["eventide-dlq-source"] == "orders")
        #expect(dead.attributes["eventide-dlq-reason"] == "received 2 times without being deleted (maxReceives 2)")
    }

    @Test("dead-lettering a received message moves it to the DLQ with the given reason at once")
    func deadLetterNow() async throws {
        let queues = try queues(TestClock())
        try await queues.createQueue("dlq")
        try await queues.createQueue("orders", .init(deadLetterQueue: "dlq", maxReceives: 5))
        try await queues.send("orders", body: "not json")
        let message = try #require(try await queues.receive("orders").first)
        #expect(try await queues.deadLetter("orders", receipt: message.receipt, reason: "not JSON"))
        #expect(try await queues.counts("orders") == (visible: 0, inFlight: 0))
        #expect(try await queues.receive("dlq").first?.attributes["eventide-dlq-reason"] == "not JSON")
    }

    @Test("a long poll returns when a message is sent, not when the wait runs out")
    func longPollWakesOnSend() async throws {
        let clock = TestClock()
        let queues = try queues(clock)
        try await queues.createQueue("orders")
        async let received = queues.receive("orders", wait: .seconds(20))
        try await clock.waitForSleepers()  // the receiver waits (it would also see a message sent earlier)
        try await queues.send("orders", body: "a")
        #expect(try await received.map(\.body) == ["a"], "woken by the send: the clock never reached the 20 s")
        #expect(clock.now == TestClock.Instant(offset: .zero))
    }

    @Test("a long poll returns when an in-flight message becomes visible again, and empty when its wait runs out")
    func longPollWakesOnVisibility() async throws {
        let clock = TestClock()
        let queues = try queues(clock)
        try await queues.createQueue("orders", .init(visibilityTimeout: .seconds(30)))
        try await queues.send("orders", body: "a")
        _ = try await queues.receive("orders")
        async let again = queues.receive("orders", wait: .seconds(60))
        try await clock.waitForSleepers()
        await clock.advance(by: .seconds(30))
        #expect(try await again.first?.receiveCount == 2)
        async let nothing = queues.receive("orders", wait: .seconds(20))
        try await clock.waitForSleepers()
        await clock.advance(by: .seconds(20))
        #expect(try await nothing.isEmpty)
    }

    @Test("a message in flight when its receiver died is delivered again after the timeout from a reopened store")
    func survivesRestart() async throws {
        let clock = TestClock()
        let database = try TemporaryDatabase.make("queue")
        let before = EmbeddedQueue(database: database, clock: EventideClock(clock))
        try await before.createQueue("orders", .init(visibilityTimeout: .seconds(5)))
        let id = try await before.send("orders", body: "a")
        _ = try await before.receive("orders")
        let after = EmbeddedQueue(database: try EventideDatabase(path: database.path), clock: EventideClock(clock))
        await clock.advance(by: .seconds(5))
        let again = try #require(try await after.receive("orders").first)
        #expect(again.messageId == id && again.receiveCount == 2)
    }

    @Test("bad settings and unknown queues are refused with the reason")
    func refusals() async throws {
        let queues = try queues()
        await #expect(throws: QueueError.unknownQueue("nope")) { try await queues.send("nope", body: "x") }
        await #expect(throws: QueueError.unknownQueue("missing-dlq")) {
            try await queues.createQueue("q", .init(deadLetterQueue: "missing-dlq", maxReceives: 3))
        }
        await #expect(throws: QueueError.self) {
            try await queues.createQueue("q", .init(deadLetterQueue: nil, maxReceives: 3))
        }
        try await queues.createQueue("q", .init(visibilityTimeout: .milliseconds(200)))
        try await queues.createQueue("q", .init(visibilityTimeout: .milliseconds(200)))  // same settings: fine
        await #expect(throws: QueueError.queueExistsWithOtherSettings("q")) {
            try await queues.createQueue("q", .init(visibilityTimeout: .seconds(1)))
        }
    }

    @Test(
        "eventide://queue/ watcher: messages become asset events and are deleted after the commit; a poison message ends in both DLQs with its reason"
    )
    func watcher() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("queue-watcher"))
        let queues = EmbeddedQueue(database: orchestrator.scheduler.database)
        try await queues.createQueue("orders-dlq")
        try await queues.createQueue("orders", .init(deadLetterQueue: "orders-dlq", maxReceives: 3))
        let registry = TriggerRegistry.embedded(
            log: EventLog(database: orchestrator.scheduler.database), queues: queues)
        let asset = try Asset(uri: "queue://orders")
        let watched = asset.watched(by: [
            try AssetWatcher(
                name: "orders", source: "eventide://queue/orders?wait=1", registry: registry,
                extract: { event in
                    guard let order = event.payload["body"]?["order"] else {
                        throw EventError.schemaViolation(
                            type: "order", reason: "no 'order' in \(event.payload["body"]?.jsonText ?? "")")
                    }
                    return ["order": order]
                })
        ])
        try await orchestrator.register(
            dags: [DAG("fulfil", schedule: .on([watched]), tasks: [TaskDefinition("ship") { _ in .none }])],
            assets: [watched])
        try await queues.send("orders", body: #"{"order": 1}"#)
        try await queues.send("orders", body: "garbage")
        try await queues.send("orders", body: #"{"order": 2}"#)
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "orders") {
                $0.eventsRecorded == 2 && $0.deadLettered == 1
            }
        }
        #expect(try await orchestrator.scheduler.assetEvents(for: asset.key).map { $0.extra["order"] } == [1, 2])
        #expect(try await queues.counts("orders") == (visible: 0, inFlight: 0), "every message deleted or moved")
        #expect(try await queues.receive("orders-dlq").map(\.body) == ["garbage"])
        #expect(try await orchestrator.triggerer.deadLetters.list().first?.reason.contains("no 'order'") == true)
    }
}
