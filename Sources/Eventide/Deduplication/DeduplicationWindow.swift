/// How long and how many keys a deduplicator remembers, and what it does when it is full.
///
/// A key is remembered for `timeToLive` from its first delivery (a duplicate does not extend it): a duplicate
/// arriving later than that is processed again. At most `capacity` keys are kept per scope; what happens to the
/// next new key when all are live is ``Overflow``:
/// - ``Overflow/evictOldest``: forget the oldest key and accept the new one. The window never blocks, but a
///   duplicate of the forgotten key is processed again.
/// - ``Overflow/refuseNew``: throw ``DeduplicationError/windowFull(scope:capacity:)`` and record nothing. No
///   duplicate ever slips through, but the consumer stalls until keys expire (leave the delivery unacknowledged).
public struct DeduplicationWindow: Sendable, Hashable, Codable {
    public enum Overflow: String, Sendable, Hashable, Codable, CaseIterable {
        case evictOldest = "evict_oldest"
        case refuseNew = "refuse_new"
    }

    public let timeToLive: Duration
    public let capacity: Int
    public let whenFull: Overflow

    public init(timeToLive: Duration, capacity: Int, whenFull: Overflow = .evictOldest) throws(DeduplicationError) {
        guard timeToLive > .zero else { throw .invalidWindow(reason: "the time to live must be positive") }
        guard capacity > 0 else { throw .invalidWindow(reason: "the capacity must be at least 1, got \(capacity)") }
        self.timeToLive = timeToLive
        self.capacity = capacity
        self.whenFull = whenFull
    }
}
