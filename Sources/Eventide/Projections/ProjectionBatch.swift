/// What one transaction of a ``ProjectionRunner`` applied.
public struct ProjectionBatch: Sendable, Hashable {
    /// The events applied, in position order (empty: the view was caught up).
    public let events: [RecordedEvent]
    /// The checkpoint the same transaction stored.
    public let checkpoint: Int64

    public init(events: [RecordedEvent], checkpoint: Int64) {
        self.events = events
        self.checkpoint = checkpoint
    }
}
