import Eventide
import EventideTesting
import Foundation
import Testing

/// Issue 14, point 6: a kill between recording a dead letter and rejecting the message at its source makes the
/// source deliver it again; the second dead-lettering must find the first letter, not add another.
@Suite("Dead-letter queue", .timeLimit(.minutes(1)))
struct DeadLetterQueueTests {
    @Test("a message dead-lettered again by the same source is kept once, with the first letter's id")
    func deduplicatedByMessageId() async throws {
        let queue = DeadLetterQueue(database: try TemporaryDatabase.make("dlq"))
        let first = try await queue.add(
            source: "orders", messageId: "m1", payload: ["n": 1], reason: "bad", attempts: 1)
        let again = try await queue.add(
            source: "orders", messageId: "m1", payload: ["n": 1], reason: "bad", attempts: 2)
        #expect(again.id == first.id)
        #expect(again.attempts == 1, "the first letter, as stored")
        #expect(try await queue.list(source: "orders").map(\.messageId) == ["m1"])
    }

    @Test("other message ids, other sources and messages without an id each get their own letter")
    func distinctLetters() async throws {
        let queue = DeadLetterQueue(database: try TemporaryDatabase.make("dlq"))
        try await queue.add(source: "orders", messageId: "m1", payload: 1, reason: "r")
        try await queue.add(source: "orders", messageId: "m2", payload: 2, reason: "r")
        try await queue.add(source: "payments", messageId: "m1", payload: 3, reason: "r")
        try await queue.add(source: "orders", messageId: nil, payload: 4, reason: "r")
        try await queue.add(source: "orders", messageId: nil, payload: 5, reason: "r")
        #expect(try await queue.list().map(\.payload) == [1, 2, 3, 4, 5])
    }

    @Test("once redriven, the same message failing again is a new dead letter")
    func afterRedrive() async throws {
        let queue = DeadLetterQueue(database: try TemporaryDatabase.make("dlq"))
        let first = try await queue.add(source: "orders", messageId: "m1", payload: 1, reason: "r")
        try await queue.markRedriven([first.id])
        let second = try await queue.add(source: "orders", messageId: "m1", payload: 1, reason: "r")
        #expect(second.id != first.id)
        #expect(try await queue.list(source: "orders").map(\.id) == [second.id])
        #expect(try await queue.list(source: "orders", includingRedriven: true).count == 2)
    }

    @Test("a watcher whose source redelivers a poison message (the reject was lost) keeps one dead letter")
    func redeliveryAfterLostReject() async throws {
        let database = try TemporaryDatabase.make("dlq")
        let trigger = ManualTrigger()
        let asset = try Asset(uri: "test://orders")
        let watcher = AssetWatcher(
            name: "orders", trigger: trigger,
            extract: { event in
                guard event.payload["ok"] == true else {
                    throw EventError.schemaViolation(type: "order", reason: "not ok")
                }
                return [:]
            })
        let watched = asset.watched(by: [watcher])
        let orchestrator = Orchestrator(database: database)
        try await orchestrator.register(
            dags: [try DAG("d", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])],
            assets: [watched])
        try await orchestrator.withServices {
            try await trigger.waitUntilOpened()
            // The same message twice: the first delivery's reject never reached the source (the process died).
            trigger.fire(["ok": false], messageId: "poison-1", rejectable: true)
            trigger.fire(["ok": false], messageId: "poison-1", rejectable: true)
            trigger.fire(["ok": true], messageId: "good-1")
            _ = try await orchestrator.triggerer.waitFor(watcher: "orders") { $0.eventsRecorded == 1 }
        }
        let letters = try await orchestrator.triggerer.deadLetters.list(source: "orders")
        #expect(letters.map(\.messageId) == ["poison-1"])
        #expect(trigger.rejected.map(\.messageId) == ["poison-1", "poison-1"], "rejected at the source each time")
    }

    @Test("bytes that are not UTF-8 are kept exactly in the payload and read back as the original bytes")
    func originalBytes() async throws {
        let queue = DeadLetterQueue(database: try TemporaryDatabase.make("dlq"))
        let bytes = Data([0xFF, 0xFE, 0x00, 0x80, 0xC3, 0x28])
        try await queue.add(
            source: "k", messageId: "t/0@1",
            payload: [DeadLetter.originalBytesKey: .string(bytes.base64EncodedString())], reason: "r")
        #expect(try await queue.list(source: "k").first?.originalBytes == bytes)
    }
}
