import Foundation

/// One key a deduplicator remembers.
public struct DeduplicationEntry: Sendable, Hashable, Codable {
    public let key: String
    public let firstSeenAt: Date
    public let expiresAt: Date
    /// Duplicates of the key seen so far.
    public let duplicates: Int
}

/// What a deduplicator decided about one delivery.
public enum DeduplicationDecision: Sendable, Hashable {
    /// First delivery within the window: the key is now recorded. `evicted` are the keys forgotten to make room
    /// (``DeduplicationWindow/Overflow/evictOldest``).
    case new(evicted: [String])
    /// The key was already recorded: the delivery must have no effect.
    case duplicate(of: DeduplicationEntry)

    public var isDuplicate: Bool { if case .duplicate = self { true } else { false } }
}

/// The result of ``Deduplicator/process(_:effect:)``: the effect's value, or the entry that made it a duplicate.
public enum DeduplicatedEffect<Value: Sendable>: Sendable {
    case applied(Value, evicted: [String])
    case skipped(duplicateOf: DeduplicationEntry)

    public var wasApplied: Bool { if case .applied = self { true } else { false } }
}
