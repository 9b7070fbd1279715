import Foundation

/// A message that could not be processed, kept with the reason instead of being retried forever or dropped.
///
/// A letter keeps what it was given when it was dead-lettered: the event (`originalPayload` once an operator
/// edited `payload`), the error (`reason`, `errorType`, `category`), the attempts and the timestamps of the first
/// failure, the last, the dead-lettering, an edit, and its end (redriven or discarded).
public struct DeadLetter: Sendable, Hashable, Codable {
    /// Where a letter is in its life.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// In the dead-letter queue, waiting for a fix, a retry, a redrive or a discard.
        case waiting
        /// Handed back (or retried successfully): it left the queue.
        case redriven
        /// Given up on by an operator, with a reason: it left the queue and is kept as a record.
        case discarded
    }

    public let id: Int64
    /// Who gave up on it: a watcher's name, a consumer, a queue.
    public let source: String
    /// The source's own id for the message, when it has one.
    public let messageId: String?
    /// The message to process: the original event, or the operator's edit of it (see `originalPayload`).
    public let payload: JSONValue
    /// Why it was dead-lettered: the error a handler threw, a schema violation, "expired"; after a failed retry
    /// from the queue, that retry's error.
    public let reason: String
    /// Delivery attempts before it was dead-lettered, when the source counts them (with the failed retries from
    /// the queue added).
    public let attempts: Int?
    public let deadLetteredAt: Date
    /// When it was handed back for another try; `nil` while it waits in the dead-letter queue.
    public let redrivenAt: Date?
    /// The failure's category, when the source categorised it (see `DeadLetterPolicy`).
    public var category: FailureCategory? = nil
    /// The Swift type of the error, when the source knew it (e.g. `Payments.PaymentError`).
    public var errorType: String? = nil
    /// When the first attempt failed (before the retries), when the source knew it.
    public var firstFailedAt: Date? = nil
    /// When the last attempt failed: the last retry before dead-lettering, or the last retry from the queue.
    public var lastFailedAt: Date? = nil
    /// The event as it was dead-lettered, once an operator edited `payload`; `nil` while never edited.
    public var originalPayload: JSONValue? = nil
    /// When `payload` was last edited.
    public var editedAt: Date? = nil
    /// When an operator discarded it, and why.
    public var discardedAt: Date? = nil
    public var discardReason: String? = nil

    /// The event exactly as it was dead-lettered, whatever edits followed.
    public var originalEvent: JSONValue { originalPayload ?? payload }

    public var state: State {
        if discardedAt != nil { return .discarded }
        return redrivenAt == nil ? .waiting : .redriven
    }

    /// The payload key where a trigger keeps a message's bytes, base64-encoded, when they are not UTF-8 text
    /// (text would replace the invalid bytes): e.g. a Kafka record's value.
    public static let originalBytesKey = "valueBase64"

    /// The message's original bytes when its trigger could not make text of them (see `originalBytesKey`).
    public var originalBytes: Data? {
        payload[Self.originalBytesKey]?.stringValue.flatMap { Data(base64Encoded: $0) }
    }
}
