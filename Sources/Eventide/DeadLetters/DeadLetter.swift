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

    /// The payload key where a trigger keeps a message's bytes, base64-encoded, when they are not UTF-8 text
    /// (text would replace the invalid bytes): e.g. a Kafka record's value.
    public static let originalBytesKey = "valueBase64"

    /// The message's original bytes when its trigger could not make text of them (see `originalBytesKey`).
    public var originalBytes: Data? {
        payload[Self.originalBytesKey]?.stringValue.flatMap { Data(base64Encoded: $0) }
    }
}
