/// The processed-markers of one consumer: the idempotency key of every asset event whose effect it committed,
/// kept in the store (a ``Deduplicator`` scope `processed:<consumer>` that never forgets a key).
///
/// A consuming task processes each event through ``process(_:effect:)``: the marker and the effect commit in one
/// transaction, so an event delivered again — the same event replayed, re-queued, or in a second run — has no
/// second effect. ``status(of:)`` splits events into processed and pending; ``EventReplayer`` uses it to send
/// only pending events.
///
/// The key is the asset event's id by default (``eventIdKey``): a replay of recorded events re-sends the same
/// ids. Use a business key from `extra` when the same fact may be recorded as several events (two sources).
///
/// ```swift
/// let ledger = try ProcessedEventLedger(database: database, consumer: "load_orders")
/// TaskDefinition("load") { context in
///     for event in context.triggeringEvents(of: orders) {
///         _ = try await ledger.process(event) { tx in try tx.execute("INSERT INTO orders …", arguments: […]) }
///     }
///     return .none
/// }
/// ```
public final class ProcessedEventLedger: Sendable {
    public let consumer: String
    public let deduplicator: Deduplicator
    private let key: @Sendable (AssetEvent) -> String

    /// The asset event's id, `asset_event:<id>`.
    public static let eventIdKey: @Sendable (AssetEvent) -> String = { "asset_event:\($0.id)" }

    public init(
        database: EventideDatabase, consumer: String, clock: EventideClock = .system,
        key: @escaping @Sendable (AssetEvent) -> String = ProcessedEventLedger.eventIdKey
    ) throws {
        self.consumer = consumer
        self.key = key
        // Markers are never forgotten: an evicted or expired marker would let a replay apply an effect twice.
        let forever = try DeduplicationWindow(
            timeToLive: .seconds(100 * 366 * 86_400), capacity: .max, whenFull: .refuseNew)
        deduplicator = Deduplicator(database: database, scope: "processed:\(consumer)", window: forever, clock: clock)
    }

    /// The idempotency key of `event`.
    public func key(of event: AssetEvent) -> String { key(event) }

    /// Runs `effect` and marks `event` processed in one transaction, unless it is marked already (then the effect
    /// is skipped). An effect that throws leaves the event pending.
    public func process<Value: Sendable>(
        _ event: AssetEvent, effect: @escaping @Sendable (StoreTransaction) throws -> Value
    ) async throws -> DeduplicatedEffect<Value> {
        try await deduplicator.process(key(event), effect: effect)
    }

    public func isProcessed(_ event: AssetEvent) async throws -> Bool {
        try await deduplicator.contains(key(event))
    }

    /// Which of `events` are processed and which are pending.
    public func status(of events: [AssetEvent]) async throws -> ReplayStatus {
        let marked = Set(try await deduplicator.entries().map(\.key))
        let (processed, pending) = events.reduce(into: ([Int64](), [Int64]())) { split, event in
            if marked.contains(key(event)) { split.0.append(event.id) } else { split.1.append(event.id) }
        }
        return ReplayStatus(processed: processed, pending: pending)
    }
}
