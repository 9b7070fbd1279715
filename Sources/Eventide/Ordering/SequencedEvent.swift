import Foundation

/// An event that carries its position in the stream of its key: the producer numbers each key's events 1, 2, 3, …
/// (``SequenceNumbers``) and consumers restore that order (``Resequencer``).
public struct SequencedEvent: Sendable, Hashable, Codable {
    /// What the order is kept per: an account, an order id. Events of different keys have no order between them.
    public let key: String
    /// The event's number within its key, from 1.
    public let sequence: Int
    public let payload: JSONValue

    public init(key: String, sequence: Int, payload: JSONValue) {
        self.key = key
        self.sequence = sequence
        self.payload = payload
    }
}

/// A run of sequence numbers of one key that never arrived, and why the resequencer stopped waiting for it.
public struct SequenceGap: Sendable, Hashable, Codable {
    public enum Reason: String, Sendable, Hashable, Codable {
        /// The oldest event waiting behind the gap waited longer than the timeout.
        case timeout
        /// The key's buffer held as many events as its capacity.
        case bufferFull = "buffer_full"
    }

    public let key: String
    public let missing: ClosedRange<Int>
    public let reason: Reason

    public init(key: String, missing: ClosedRange<Int>, reason: Reason) {
        self.key = key
        self.missing = missing
        self.reason = reason
    }
}
