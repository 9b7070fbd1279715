import Synchronization

/// A closed batch: its elements in arrival order, their bytes, why it closed, and when it opened and closed on
/// the batcher's clock (the latency of its first element before processing).
///
/// Acknowledged once, as a whole: `acknowledge()` runs the batcher's acknowledgement for every element the first
/// time it is called (after the batch's work is committed) and does nothing after that.
public struct Batch<Element: Sendable>: Sendable {
    /// 1 for the first batch a batcher closed.
    public let sequence: Int
    public let elements: [Element]
    public let bytes: Int
    public let reason: BatchCloseReason
    public let openedAt: EventideClock.Instant
    public let closedAt: EventideClock.Instant
    private let acknowledgement: Acknowledgement

    package init(
        sequence: Int, elements: [Element], bytes: Int, reason: BatchCloseReason, openedAt: EventideClock.Instant,
        closedAt: EventideClock.Instant, acknowledge: (@Sendable ([Element]) async throws -> Void)? = nil
    ) {
        self.sequence = sequence
        self.elements = elements
        self.bytes = bytes
        self.reason = reason
        self.openedAt = openedAt
        self.closedAt = closedAt
        acknowledgement = Acknowledgement(acknowledge)
    }

    /// This batch with `acknowledge` as its acknowledgement.
    package func acknowledged(by acknowledge: (@Sendable ([Element]) async throws -> Void)?) -> Batch {
        Batch(
            sequence: sequence, elements: elements, bytes: bytes, reason: reason, openedAt: openedAt,
            closedAt: closedAt, acknowledge: acknowledge)
    }

    /// How long the batch stayed open: the wait its first element had before the batch was handed on.
    public var age: Duration { openedAt.duration(to: closedAt) }

    /// Whether `acknowledge()` ran (successfully) already.
    public var isAcknowledged: Bool { acknowledgement.done.withLock { $0 } }

    /// Acknowledges every element of the batch, once.
    public func acknowledge() async throws {
        guard acknowledgement.done.withLock({ $0 }) == false else { return }
        try await acknowledgement.action?(elements)
        acknowledgement.done.withLock { $0 = true }
    }

    private final class Acknowledgement: Sendable {
        let action: (@Sendable ([Element]) async throws -> Void)?
        let done = Mutex(false)
        init(_ action: (@Sendable ([Element]) async throws -> Void)?) { self.action = action }
    }
}
