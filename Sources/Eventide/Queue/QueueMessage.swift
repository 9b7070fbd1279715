import Foundation

/// A message received from an `EmbeddedQueue`.
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
}
