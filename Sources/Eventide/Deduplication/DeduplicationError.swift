/// Why a deduplicator could not decide or refused a delivery.
public enum DeduplicationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The idempotency key names a field the event does not carry (or carries as an object or array).
    case missingField(field: String, eventId: String)
    /// The window holds `capacity` keys and is configured to refuse new ones rather than forget old ones.
    case windowFull(scope: String, capacity: Int)
    /// A window setting out of range.
    case invalidWindow(reason: String)

    public var description: String {
        switch self {
        case .missingField(let field, let eventId):
            "event \(eventId) has no scalar value at '\(field)', which the idempotency key is made of: "
                + "key on a field every event carries, or derive the key with IdempotencyKey.custom"
        case .windowFull(let scope, let capacity):
            "the deduplication window '\(scope)' is full (\(capacity) keys, none expired) and refuses new keys: "
                + "leave the delivery unacknowledged so it comes back once keys expire, or raise the capacity"
        case .invalidWindow(let reason):
            "invalid deduplication window: \(reason)"
        }
    }
}
