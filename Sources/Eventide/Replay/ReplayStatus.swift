/// Processed versus pending for one consumer over a set of asset events: an event is processed when the
/// consumer's ``ProcessedEventLedger`` holds its key (its effect committed), pending otherwise.
public struct ReplayStatus: Sendable, Hashable, Codable {
    /// Asset event ids, ascending.
    public let processed: [Int64]
    public let pending: [Int64]

    public init(processed: [Int64], pending: [Int64]) {
        self.processed = processed.sorted()
        self.pending = pending.sorted()
    }

    public var processedCount: Int { processed.count }
    public var pendingCount: Int { pending.count }
}
