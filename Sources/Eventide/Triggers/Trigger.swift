import Foundation

/// Something that fires: a file arrived, a timer elapsed, a message was published.
///
/// A trigger is an async sequence of `TriggerEvent`s. It runs in the triggerer, either for an
/// `AssetWatcher` (every event becomes an asset event) or for a deferred task (the first event resumes it).
public protocol Trigger: Sendable, CustomStringConvertible {
    /// Opens the source and returns a fresh sequence of its events. Throws when the source cannot be opened
    /// (so a watcher is `running` only once its source really is); the sequence ends when the source ends
    /// and throws when it fails later.
    func events() throws -> AsyncThrowingStream<TriggerEvent, any Error>
}

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
    /// Tells the source the event is safely stored (commit an offset, delete a message). Called by the
    /// watcher only after the asset event has been committed: at-least-once delivery.
    public var acknowledge: @Sendable () async throws -> Void

    public init(payload: JSONValue, messageId: String? = nil, occurredAt: Date? = nil, observedAt: Date? = nil,
                acknowledge: @escaping @Sendable () async throws -> Void = {}) {
        self.payload = payload
        self.messageId = messageId
        self.occurredAt = occurredAt
        self.observedAt = observedAt
        self.acknowledge = acknowledge
    }
}

/// What went wrong in a trigger or a deferred sensor.
public enum TriggerError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotWatch(path: String, reason: String)
    case timedOut(trigger: String, after: Duration)
    case ended(trigger: String)

    public var description: String {
        switch self {
        case .cannotWatch(let path, let reason):
            return "cannot watch \(path): \(reason). Check that the folder exists and is readable."
        case .timedOut(let trigger, let after):
            return "\(trigger) did not fire within \(after) (sensor timeout)."
        case .ended(let trigger):
            return "\(trigger) ended without firing."
        }
    }
}
