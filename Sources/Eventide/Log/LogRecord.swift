import Foundation

/// Where a record sits in the log: topic, partition, offset. Offsets start at 0 in each partition.
public struct LogPosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public let topic: String
    public let partition: Int
    public let offset: Int

    public init(topic: String, partition: Int, offset: Int) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)/\(partition)@\(offset)" }
}

/// A record read back from the log.
public struct LogRecord: Sendable, Hashable, Codable {
    public let position: LogPosition
    public let key: String?
    public let event: EventEnvelope
    public let appendedAt: Date
}

/// One event to append, with its partitioning key and an optional idempotency key.
public struct LogAppend: Sendable {
    public var event: EventEnvelope
    /// Events with the same key go to the same partition, so their order is kept.
    public var key: String?
    /// A second append with the same idempotency key on the same topic stores nothing and returns the first
    /// append's position.
    public var idempotencyKey: String?

    public init(_ event: EventEnvelope, key: String? = nil, idempotencyKey: String? = nil) {
        self.event = event
        self.key = key
        self.idempotencyKey = idempotencyKey
    }
}

/// The answer to an append: the position, and whether the idempotency key had been seen before.
public struct AppendResult: Sendable, Hashable, Codable {
    public let position: LogPosition
    public let duplicate: Bool
}
