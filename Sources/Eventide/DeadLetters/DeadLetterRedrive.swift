import Foundation

/// What a redrive does with a dead letter (the web console's redrive button, `eventide-dlq redrive`): hands the
/// message back to where it came from, then marks it redriven (so it leaves the dead-letter queue). In that order: a failed hand-back leaves the letter
/// waiting, and a crash between the two may hand it back twice (at-least-once, as everywhere in the runtime).
///
/// Where "back" is: the `republish` hook when the program that serves the console knows (an item with its live
/// watchers); else, for a message of an embedded queue of the store (the payload an `EmbeddedQueueTrigger` makes
/// has the queue's name, the body and the attributes), that queue; else nowhere: the letter is only marked
/// redriven, which is what `DeadLetterQueue.markRedriven` means (the caller re-publishes), and the outcome says so.
public struct DeadLetterRedrive: Sendable {
    /// What a redrive did.
    public enum Outcome: Sendable, Hashable {
        /// Sent back to this embedded queue (or to the destination the hook named) and marked redriven.
        case republished(to: String)
        /// Marked redriven; nothing was sent anywhere (the console does not know the message's source).
        case marked
        /// The letter was not waiting (unknown id, or redriven already): nothing was done.
        case notWaiting
    }

    public let deadLetters: DeadLetterQueue
    public let queues: EmbeddedQueue
    /// Hands a letter back and names where, or returns `nil` when it does not handle this letter.
    public let republish: (@Sendable (DeadLetter) async throws -> String?)?

    public init(
        deadLetters: DeadLetterQueue, queues: EmbeddedQueue? = nil,
        republish: (@Sendable (DeadLetter) async throws -> String?)? = nil
    ) {
        self.deadLetters = deadLetters
        self.queues = queues ?? EmbeddedQueue(database: deadLetters.database, clock: deadLetters.clock)
        self.republish = republish
    }

    public func redrive(_ id: Int64) async throws -> Outcome {
        guard let letter = try await deadLetters.list().first(where: { $0.id == id }) else { return .notWaiting }
        var destination = try await republish?(letter)
        if destination == nil { destination = try await sendBackToEmbeddedQueue(letter) }
        let redriven = try await deadLetters.markRedriven([id])
        guard !redriven.isEmpty else { return .notWaiting }  // redriven meanwhile by someone else
        return destination.map { .republished(to: $0) } ?? .marked
    }

    /// Sends the message back to the embedded queue its payload names, when the store has that queue.
    private func sendBackToEmbeddedQueue(_ letter: DeadLetter) async throws -> String? {
        guard let queue = letter.payload["queue"]?.stringValue, let body = letter.payload["body"] else { return nil }
        do {
            _ = try await queues.settings(of: queue)
        } catch QueueError.unknownQueue {
            return nil
        }
        let attributes = (letter.payload["attributes"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        try await queues.send(queue, body: body.stringValue ?? body.jsonText, attributes: attributes)
        return queue
    }
}
