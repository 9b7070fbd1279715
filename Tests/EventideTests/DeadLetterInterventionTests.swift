import Eventide
import EventideTesting
import Foundation
import Testing

/// An operator's hands on the dead-letter queue: inspect, edit (keeping the original event), discard with a reason,
/// and the refusals for a letter that is not waiting.
@Suite("Dead-letter intervention", .timeLimit(.minutes(1)))
struct DeadLetterInterventionTests {
    func queue() throws -> (DeadLetterQueue, TestClock) {
        let clock = TestClock()
        return (
            DeadLetterQueue(database: try TemporaryDatabase.make("intervention"), clock: EventideClock(clock)), clock
        )
    }

    /// Dates read back from the store (seconds since 1970 as a REAL) equal to the microsecond.
    static func same(_ date: Date?, _ expected: Date) -> Bool {
        date.map { abs($0.timeIntervalSince(expected)) < 1e-6 } ?? false
    }

    @Test("an edit replaces the payload and keeps the event as it was dead-lettered, across edits")
    func editKeepsTheOriginal() async throws {
        let (queue, clock) = try queue()
        let letter = try await queue.add(
            source: "payments", messageId: "m", payload: ["currency": "XYZ"], reason: "unknown currency",
            attempts: 1, category: .permanent, errorType: "PaymentError")
        await clock.advance(by: .seconds(5))
        _ = try await queue.edit(letter.id, payload: ["currency": "EUR"])
        let twice = try await queue.edit(letter.id, payload: ["currency": "USD"])
        #expect(twice.payload == ["currency": "USD"] && twice.originalPayload == ["currency": "XYZ"])
        #expect(twice.originalEvent == ["currency": "XYZ"] && twice.state == .waiting)
        #expect(Self.same(twice.editedAt, queue.clock.date) && twice.deadLetteredAt == letter.deadLetteredAt)
        #expect(try await queue.letter(letter.id) == twice)
        #expect(try await queue.list().map(\.id) == [letter.id])
    }

    @Test("a discarded letter leaves the queue with its reason and stays on record; redrive skips it")
    func discard() async throws {
        let (queue, _) = try queue()
        let kept = try await queue.add(source: "s", messageId: "a", payload: 1, reason: "r")
        let dropped = try await queue.add(source: "s", messageId: "b", payload: 2, reason: "r")
        let discarded = try await queue.discard([dropped.id], reason: "duplicate of order 7")
        #expect(discarded.map(\.state) == [.discarded] && discarded.first?.discardReason == "duplicate of order 7")
        #expect(try await queue.list().map(\.id) == [kept.id])
        #expect(try await queue.list(includingRedriven: true).map(\.state) == [.waiting, .discarded])
        #expect(try await queue.markRedriven([dropped.id]).isEmpty)
        // The same message failing again is a new letter: the discarded one is not waiting.
        let again = try await queue.add(source: "s", messageId: "b", payload: 2, reason: "r")
        #expect(again.id != dropped.id)
    }

    @Test("editing, discarding or retrying a letter that is not waiting, or does not exist, is refused")
    func refusals() async throws {
        let (queue, _) = try queue()
        let letter = try await queue.add(source: "s", messageId: "a", payload: 1, reason: "r")
        try await queue.markRedriven([letter.id])
        await #expect(throws: DeadLetterError.notWaiting(id: letter.id, state: .redriven)) {
            try await queue.edit(letter.id, payload: 2)
        }
        await #expect(throws: DeadLetterError.notWaiting(id: letter.id, state: .redriven)) {
            try await queue.discard([letter.id], reason: "x")
        }
        await #expect(throws: DeadLetterError.notFound(id: 99)) { try await queue.letter(99) }
        // All or nothing: one bad id refuses the whole discard.
        let waiting = try await queue.add(source: "s", messageId: "b", payload: 2, reason: "r")
        await #expect(throws: DeadLetterError.notFound(id: 99)) {
            try await queue.discard([waiting.id, 99], reason: "x")
        }
        #expect(try await queue.list().map(\.id) == [waiting.id])
    }

    @Test("a failed retry from the queue keeps the letter waiting with the new error and more attempts")
    func failedRetry() async throws {
        let (queue, clock) = try queue()
        let letter = try await queue.add(
            source: "s", messageId: "a", payload: 1, reason: "timeout", attempts: 4, category: .transient)
        await clock.advance(by: .seconds(60))
        let after = try await queue.recordFailedRetry(
            letter.id, reason: "declined", category: .permanent, errorType: "E", extraAttempts: 1)
        #expect(after.attempts == 5 && after.reason == "declined" && after.category == .permanent)
        #expect(
            Self.same(after.lastFailedAt, queue.clock.date) && after.deadLetteredAt == letter.deadLetteredAt)
        #expect(after.state == .waiting)
    }

    @Test("a letter survives a reopened store with every field")
    func reopened() async throws {
        let database = try TemporaryDatabase.make("intervention")
        let clock = TestClock()
        let queue = DeadLetterQueue(database: database, clock: EventideClock(clock))
        let letter = try await queue.add(
            source: "s", messageId: "a", payload: ["x": 1], reason: "r", attempts: 2, category: .poison,
            errorType: "T", firstFailedAt: EventideClock(clock).date)
        let edited = try await queue.edit(letter.id, payload: ["x": 2])
        let reopened = DeadLetterQueue(database: try EventideDatabase(path: database.path))
        #expect(try await reopened.letter(letter.id) == edited)
        #expect(edited.firstFailedAt != nil && edited.category == .poison && edited.errorType == "T")
    }
}
