import Eventide
import Foundation

/// Long-polls one queue and hands out its messages one at a time, for the SQS triggers.
///
/// The queue URL and its dead-letter queue (from the queue's `RedrivePolicy`) are looked up on the first
/// `next()`, so an unreachable server or a missing queue surfaces as a typed error from the trigger's stream
/// and the watcher restarts per its policy.
public actor SQSReceiver {
    public nonisolated let client: SQSClient
    public nonisolated let queue: String
    public nonisolated let waitSeconds: Int
    public nonisolated let visibilityTimeout: Int?
    private var queueURL: String?
    private var deadLetterQueueURL: String?
    private var buffer: [SQSMessage] = []

    public init(client: SQSClient, queue: String, waitSeconds: Int = 20, visibilityTimeout: Int? = nil) {
        self.client = client
        self.queue = queue
        self.waitSeconds = min(max(waitSeconds, 0), 20)
        self.visibilityTimeout = visibilityTimeout
    }

    /// The next message, waiting for one by long polling; `nil` once the task is cancelled.
    public func next() async throws -> SQSMessage? {
        let url = try await resolve()
        while buffer.isEmpty {
            if Task.isCancelled { return nil }
            buffer = try await client.receive(
                url, maxMessages: 10, waitSeconds: waitSeconds,
                visibilityTimeout: visibilityTimeout)
        }
        return buffer.removeFirst()
    }

    /// Deletes the message: the consumer has it safely.
    public func delete(_ message: SQSMessage) async throws {
        try await client.delete(try await resolve(), receiptHandle: message.receiptHandle)
    }

    /// Whether the queue has a dead-letter queue (a `RedrivePolicy`).
    public var hasDeadLetterQueue: Bool {
        get async throws {
            _ = try await resolve()
            return deadLetterQueueURL != nil
        }
    }

    /// Moves the message to the queue's dead-letter queue with the reason in the `eventide-dlq-reason`
    /// attribute, then deletes it here. Without a dead-letter queue, it only deletes.
    public func deadLetter(_ message: SQSMessage, reason: String) async throws {
        let url = try await resolve()
        if let deadLetterQueueURL {
            var attributes = message.messageAttributes
            attributes["eventide-dlq-reason"] = String(reason.prefix(1024))
            attributes["eventide-dlq-source"] = queue
            try await client.send(deadLetterQueueURL, body: message.body, attributes: attributes)
        }
        try await client.delete(url, receiptHandle: message.receiptHandle)
    }

    private func resolve() async throws -> String {
        if let queueURL { return queueURL }
        let url = try await client.queueURL(queue)
        if let policy = try await client.attributes(url, names: ["RedrivePolicy"])["RedrivePolicy"],
            let arn = (try? JSONValue.parse(policy))?["deadLetterTargetArn"]?.stringValue,
            let name = arn.split(separator: ":").last
        {
            deadLetterQueueURL = try await client.queueURL(String(name))
        }
        queueURL = url
        return url
    }
}
