import Eventide
import Foundation

/// The `QueueService` on SQS (or a local moto): queues by name, with the settings mapped to SQS attributes
/// (`VisibilityTimeout`, a `RedrivePolicy` to the dead-letter queue's ARN), and an `SQSTrigger` per queue.
///
/// SQS counts time in whole seconds: visibility timeouts are rounded up to the next second.
public actor SQSQueueService: QueueService {
    public nonisolated let client: SQSClient
    private var urls: [String: String] = [:]

    public init(client: SQSClient) { self.client = client }

    public nonisolated var description: String { "SQS at \(client.endpoint.absoluteString) (\(client.region))" }

    public func createQueue(_ name: String, _ settings: QueueSettings) async throws {
        guard QueueName.isValid(name) else { throw QueueError.invalidQueueName(name) }
        guard settings.visibilityTimeout >= .zero, settings.visibilityTimeout <= .seconds(43_200) else {
            throw QueueError.invalidSettings(queue: name, reason: "SQS takes a visibility timeout of 0 to 43200 s")
        }
        var attributes = ["VisibilityTimeout": String(Self.seconds(settings.visibilityTimeout))]
        if let deadLetterQueue = settings.deadLetterQueue {
            guard let maxReceives = settings.maxReceives, (1...1000).contains(maxReceives) else {
                throw QueueError.invalidSettings(
                    queue: name, reason: "SQS needs maxReceives of 1 to 1000 with a dead-letter queue")
            }
            attributes["RedrivePolicy"] = SQSClient.redrivePolicy(
                deadLetterQueueArn: try await queueArn(deadLetterQueue),
                maxReceiveCount: maxReceives)
        }
        urls[name] = try await client.createQueue(name, attributes: attributes)
    }

    public func send(_ queue: String, body: String, attributes: [String: String]) async throws -> String {
        try await client.send(try await url(of: queue), body: body, attributes: attributes)
    }

    public func receive(
        _ queue: String, limit: Int, visibilityTimeout: Duration?,
        wait: Duration
    ) async throws -> [QueueMessage] {
        let received = try await client.receive(
            try await url(of: queue), maxMessages: limit, waitSeconds: min(Self.seconds(wait), 20),
            visibilityTimeout: visibilityTimeout.map(Self.seconds))
        return received.map { message in
            QueueMessage(
                messageId: message.messageId, receipt: message.receiptHandle, body: message.body,
                attributes: message.messageAttributes, receiveCount: message.receiveCount,
                sentAt: message.sentAt ?? Date())
        }
    }

    @discardableResult
    public func delete(_ queue: String, receipt: String) async throws -> Bool {
        try await client.delete(try await url(of: queue), receiptHandle: receipt)
        return true
    }

    public func counts(_ queue: String) async throws -> (visible: Int, inFlight: Int) {
        let attributes = try await client.attributes(
            try await url(of: queue), names: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
        return (
            Int(attributes["ApproximateNumberOfMessages"] ?? "") ?? 0,
            Int(attributes["ApproximateNumberOfMessagesNotVisible"] ?? "") ?? 0
        )
    }

    public nonisolated func trigger(for queue: String, visibilityTimeout: Duration?, wait: Duration) -> any Trigger {
        SQSTrigger(
            client: client, queue: queue, waitSeconds: min(Self.seconds(wait), 20),
            visibilityTimeout: visibilityTimeout.map(Self.seconds))
    }

    public func queueURL(_ queue: String) async throws -> String { try await url(of: queue) }

    /// The queue's ARN, for S3 notifications and redrive policies.
    public func queueArn(_ queue: String) async throws -> String {
        guard let arn = try await client.attributes(try await url(of: queue), names: ["QueueArn"])["QueueArn"] else {
            throw QueueError.unknownQueue(queue)
        }
        return arn
    }

    private func url(of queue: String) async throws -> String {
        if let url = urls[queue] { return url }
        let url = try await client.queueURL(queue)
        urls[queue] = url
        return url
    }

    /// Whole seconds, rounded up (SQS's unit).
    static func seconds(_ duration: Duration) -> Int { Int(duration.inSeconds.rounded(.up)) }
}
