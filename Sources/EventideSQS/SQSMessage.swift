import Foundation

/// A message received from a queue.
public struct SQSMessage: Sendable, Hashable {
    public let messageId: String
    /// What `delete` and `changeVisibility` need; valid until the message becomes visible again.
    public let receiptHandle: String
    public let body: String
    /// String-valued message attributes, by name.
    public let messageAttributes: [String: String]
    /// How often the message has been received (`ApproximateReceiveCount`), 1 on first delivery.
    public let receiveCount: Int
    /// When the queue accepted the message (`SentTimestamp`), if the server said.
    public var sentAt: Date?

    public init(
        messageId: String, receiptHandle: String, body: String, messageAttributes: [String: String],
        receiveCount: Int, sentAt: Date? = nil
    ) {
        self.messageId = messageId
        self.receiptHandle = receiptHandle
        self.body = body
        self.messageAttributes = messageAttributes
        self.receiveCount = receiveCount
        self.sentAt = sentAt
    }
}
