import Foundation

/// A message that could not be processed, kept with the reason instead of being retried forever or dropped.
public struct DeadLetter: Sendable, Hashable, Codable {
    public let id: Int64
    /// Who gave up on it: a watcher's name, a consumer, a queue.
    public let source: String
    /// The source's own id for the message, when it has one.
    public let messageId: String?
    public let payload: JSONValue
    /// Why it was dead-lettered: the error a handler threw, a schema violation, "expired".
    public let reason: String
    /// Delivery attempts before it was dead-lettered, when the source counts them.
    public let attempts: Int?
    public let deadLetteredAt: Date
    /// When it was handed back for another try; `nil` while it waits in the dead-letter queue.
    public let redrivenAt: Date?
}
