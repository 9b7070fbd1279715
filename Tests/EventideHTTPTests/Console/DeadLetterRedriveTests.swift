import Eventide
import EventideConsole
import EventideTesting
import Synchronization
import Testing

/// Where the console's redrive hands a dead letter back, and that it leaves the dead-letter queue.
@Suite(.timeLimit(.minutes(1)))
struct DeadLetterRedriveTests {
    @Test func aMessageOfAnEmbeddedQueueGoesBackToItWithItsAttributes() async throws {
        let database = try TemporaryDatabase.make("redrive")
        let queues = EmbeddedQueue(database: database)
        try await queues.createQueue("orders")
        let letters = DeadLetterQueue(database: database)
        let letter = try await letters.add(
            source: "w", messageId: "m",
            payload: ["queue": "orders", "body": ["id": 7], "attributes": ["kind": "new"]],
            reason: "bad")
        let outcome = try await DeadLetterRedrive(deadLetters: letters).redrive(letter.id)
        #expect(outcome == .republished(to: "orders"))
        let message = try #require(try await queues.receive("orders").first)
        #expect(try JSONValue.parse(message.body) == ["id": 7] && message.attributes == ["kind": "new"])
        #expect(try await letters.list().isEmpty)
        #expect(try await DeadLetterRedrive(deadLetters: letters).redrive(letter.id) == .notWaiting)
    }

    @Test func aLetterFromElsewhereIsOnlyMarkedUnlessTheHookTakesIt() async throws {
        let database = try TemporaryDatabase.make("redrive")
        let letters = DeadLetterQueue(database: database)
        let unknownQueue = try await letters.add(
            source: "w", messageId: "a", payload: ["queue": "gone", "body": "x"], reason: "r")
        let noQueue = try await letters.add(source: "kafka", messageId: "b", payload: ["value": "y"], reason: "r")
        let handed = Mutex<[Int64]>([])
        let redrive = DeadLetterRedrive(deadLetters: letters) { letter in
            guard letter.source == "kafka" else { return nil }
            handed.withLock { $0.append(letter.id) }
            return "orders.retry"
        }
        #expect(try await redrive.redrive(unknownQueue.id) == .marked)
        #expect(try await redrive.redrive(noQueue.id) == .republished(to: "orders.retry"))
        #expect(handed.withLock { $0 } == [noQueue.id])
        #expect(try await letters.list().isEmpty)
        #expect(try await redrive.redrive(999) == .notWaiting)
    }
}
