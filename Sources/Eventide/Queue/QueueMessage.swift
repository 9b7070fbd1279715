import Foundation

/// A message received from a `QueueService` (an `EmbeddedQueue`, or SQS).
public struct QueueMessage: Sendable, Hashable {
    /// Stable across redeliveries (deduplicate by it).
    public let messageId: String
    /// This delivery's handle: deleting or releasing the message needs the latest one.
    public let receipt: String
    public let body: String
    public let attributes: [String: String]
    /// How many times it has been received, this time included.
    public let receiveCount: Int
    public let sentAt: Date

    public init(
        messageId: String, receipt: String, body: String, attributes: [String: String], receiveCount: Int,
        sentAt: Date
    ) {
        self.messageId = messageId
        self.receipt = receipt
        self.body = body
        self.attributes = attributes
        self.receiveCount = receiveCount
        self.sentAt = sentAt
    }
}
