/// What the arbitration of a prioritized asset did with one watcher's deliveries (``Triggerer/arbitration(of:)``).
public struct WatcherArbitrationCounts: Sendable, Hashable, Codable {
    /// Deliveries with a business key it handed to the arbiter.
    public var offered = 0
    /// Recorded as the asset event of their business event.
    public var won = 0
    /// Dropped: a higher-priority (or earlier) copy won the window.
    public var outranked = 0
    /// Dropped: the business event was already recorded.
    public var duplicates = 0

    public init() {}
}
