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
}
