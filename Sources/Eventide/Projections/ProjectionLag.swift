import Foundation

/// How far a projection's view is behind the event store.
public struct ProjectionLag: Sendable, Hashable, Codable {
    /// The position of the last event the view includes.
    public let checkpoint: Int64
    /// The position of the last event stored.
    public let head: Int64
    /// When the oldest event not yet in the view was recorded (nil: caught up).
    public let oldestPendingAt: Date?
    /// How long the oldest pending event has waited, on the runner's clock (zero when caught up).
    public let age: Duration

    public init(checkpoint: Int64, head: Int64, oldestPendingAt: Date?, age: Duration) {
        self.checkpoint = checkpoint
        self.head = head
        self.oldestPendingAt = oldestPendingAt
        self.age = age
    }

    /// Events stored but not yet in the view (positions are dense).
    public var eventsBehind: Int64 { max(0, head - checkpoint) }

    public var isCaughtUp: Bool { eventsBehind == 0 }
}
