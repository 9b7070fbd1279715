import Foundation

/// One firing of a trigger.
public struct TriggerEvent: Sendable {
    /// What the source said, as JSON: the watcher puts it in the asset event's `extra["payload"]`.
    public var payload: JSONValue
    /// The source's own id for this message (a file's name+size+mtime, a log offset, an SQS message id):
    /// used to deduplicate redeliveries.
    public var messageId: String?
    /// When the source says the event happened (a file's modification time); `nil` when it does not say.
    public var occurredAt: Date?
    /// When the trigger learned of the event (for `FileArrivalTrigger`, when it read the kernel's notification),
    /// stamped where the event is produced, before any queue in the triggerer; `nil` when the trigger does not say.
    public var observedAt: Date?
    /// How many times the source has delivered this message, this delivery included (SQS's receive count,
    /// an embedded queue's attempts); `nil` when the source does not count.
    public var deliveryCount: Int?
    /// Tells the source the event is safely stored (commit an offset, delete a message). Called by the
    /// watcher only after the asset event has been committed: at-least-once delivery.
    public var acknowledge: @Sendable () async throws -> Void
    /// Tells the source the message cannot be processed (not JSON, wrong schema, a handler threw), with the
    /// reason: the source routes it to its own dead-letter destination (an AMQP nack without requeue into the
    /// dead-letter exchange, an SQS or embedded dead-letter queue, a Kafka dead-letter topic) and stops
    /// delivering it. The triggerer calls it only after the dead letter is committed to the runtime's own
    /// `DeadLetterQueue`. `nil`: the source has no dead-letter destination, so the triggerer acknowledges
    /// the message instead, and the runtime's dead-letter queue is where it can be found and redriven.
    public var reject: (@Sendable (_ reason: String) async throws -> Void)?

    public init(
        payload: JSONValue, messageId: String? = nil, occurredAt: Date? = nil, observedAt: Date? = nil,
        deliveryCount: Int? = nil,
        acknowledge: @escaping @Sendable () async throws -> Void = {},
        reject: (@Sendable (_ reason: String) async throws -> Void)? = nil
    ) {
        self.payload = payload
        self.messageId = messageId
        self.occurredAt = occurredAt
        self.observedAt = observedAt
        self.deliveryCount = deliveryCount
        self.acknowledge = acknowledge
        self.reject = reject
    }
}
