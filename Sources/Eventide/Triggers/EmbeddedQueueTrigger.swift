import Foundation

/// Fires for every message on an embedded queue (`eventide://queue/<name>`): the offline stand-in for an SQS
/// trigger, with the same contract. The message is deleted only after its asset event is committed; a
/// message not deleted within the visibility timeout is delivered again with the same id (deduplicated by the
/// watcher) and a higher delivery count; `reject` moves it to the queue's dead-letter queue with the reason.
///
/// payload: `{"body": <the body as JSON, or the string>, "attributes": {...}, "queue": name}`, as `SQSTrigger`.
public struct EmbeddedQueueTrigger: Trigger {
    public let queues: EmbeddedQueue
    public let queue: String
    public let visibilityTimeout: Duration?
    public let wait: Duration

    public init(queues: EmbeddedQueue, queue: String, visibilityTimeout: Duration? = nil, wait: Duration = .seconds(20))
    {
        self.queues = queues
        self.queue = queue
        self.visibilityTimeout = visibilityTimeout
        self.wait = wait
    }

    public var description: String { "EmbeddedQueueTrigger(queue: \(queue))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (queues, queue, visibilityTimeout, wait) = (queues, queue, visibilityTimeout, wait)
        let buffer = MessageBuffer()
        return AsyncThrowingStream { () async throws -> TriggerEvent? in
            while await buffer.isEmpty {
                if Task.isCancelled { return nil }
                await buffer.fill(try await queues.receive(queue, visibilityTimeout: visibilityTimeout, wait: wait))
            }
            guard let message = await buffer.pop() else { return nil }
            let hasDeadLetterQueue = try await queues.settings(of: queue).deadLetterQueue != nil
            return TriggerEvent(
                payload: [
                    "body": (try? JSONValue.parse(message.body)) ?? .string(message.body),
                    "attributes": .object(message.attributes.mapValues(JSONValue.string)), "queue": .string(queue),
                ],
                messageId: message.messageId, occurredAt: message.sentAt, observedAt: queues.clock.date,
                deliveryCount: message.receiveCount,
                acknowledge: { try await queues.delete(queue, receipt: message.receipt) },
                reject: hasDeadLetterQueue
                    ? { @Sendable reason in try await queues.deadLetter(queue, receipt: message.receipt, reason: reason)
                    }
                    : nil)
        }
    }

    private actor MessageBuffer {
        var messages: [QueueMessage] = []
        var isEmpty: Bool { messages.isEmpty }
        func fill(_ new: [QueueMessage]) { messages += new }
        func pop() -> QueueMessage? { messages.isEmpty ? nil : messages.removeFirst() }
    }
}
