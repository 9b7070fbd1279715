/// How several watchers of ONE asset are arbitrated: which source wins when they deliver the same business
/// event, and for how long a business event is remembered as seen.
///
/// The rule (``Triggerer/prioritize(_:_:)``): the first copy of a business event (the key `businessKey` reads
/// from a watcher's extracted `extra`) opens a window of `window` on the triggerer's clock. Every copy that any
/// of the asset's watchers delivers before the window closes takes part; when it closes, the copy of the watcher
/// ranked highest in `order` (the earliest of its copies on a tie) is recorded as the asset event, the others are
/// dropped as outranked. A copy arriving after that — from any source, within `remember` — is dropped as a
/// duplicate (the key is kept by a ``Deduplicator``). Each source's message is acknowledged only once the winner
/// is committed. A watcher missing from `order` ranks after all listed ones; an event without a business key is
/// recorded at once, unarbitrated.
///
/// ```swift
/// let priority = try WatcherPriority(
///     order: ["orders_queue", "orders_drop"], window: .milliseconds(300),
///     businessKey: { $0["order_id"]?.stringValue })
/// await orchestrator.triggerer.prioritize(orders.key, priority)
/// ```
public struct WatcherPriority: Sendable {
    /// Watcher names, highest priority first.
    public let order: [String]
    /// How long the first copy of a business event waits for copies from higher-priority sources.
    public let window: Duration
    /// The business id of a delivery, read from the `extra` its watcher extracted; `nil`: not arbitrated.
    public let businessKey: @Sendable ([String: JSONValue]) -> String?
    /// How long, and how many, recorded business ids are remembered as duplicates.
    public let remember: DeduplicationWindow

    public init(
        order: [String], window: Duration, businessKey: @escaping @Sendable ([String: JSONValue]) -> String?,
        remember: DeduplicationWindow? = nil
    ) throws(WatcherPriorityError) {
        guard !order.isEmpty, Set(order).count == order.count else {
            throw .invalidConfiguration("the priority order must name each watcher once, got \(order)")
        }
        guard window >= .zero else { throw .invalidConfiguration("the arbitration window must not be negative") }
        self.order = order
        self.window = window
        self.businessKey = businessKey
        if let remember {
            self.remember = remember
        } else {
            self.remember = try Self.day()
        }
    }

    /// The rank of a watcher: its index in `order`, after every listed one when it is not listed.
    public func rank(of watcher: String) -> Int { order.firstIndex(of: watcher) ?? order.count }

    private static func day() throws(WatcherPriorityError) -> DeduplicationWindow {
        do {
            return try DeduplicationWindow(timeToLive: .seconds(86_400), capacity: 1_000_000)
        } catch {
            throw .invalidConfiguration("\(error)")
        }
    }
}
