/// The batching decision as a plain state machine, without tasks or clocks: elements go in with their size and
/// the time, closed batches come out. `Batcher` drives it from a source, a flush signal and the window timer.
public struct BatchAccumulator<Element: Sendable>: Sendable {
    public let limits: BatchLimits
    public private(set) var elements: [Element] = []
    public private(set) var bytes = 0
    public private(set) var openedAt: EventideClock.Instant?
    /// How many batches closed so far.
    public private(set) var closed = 0

    public init(limits: BatchLimits) { self.limits = limits }

    public var isEmpty: Bool { elements.isEmpty }

    /// Adds `element` of `size` bytes at `now`; returns the batches this closed (by bytes before it, by size or
    /// bytes with it), oldest first.
    public mutating func add(_ element: Element, size: Int, at now: EventideClock.Instant) -> [Batch<Element>] {
        var batches: [Batch<Element>] = []
        if let maxBytes = limits.maxBytes, !elements.isEmpty, bytes + size > maxBytes,
            let batch = close(.bytes, at: now)
        {
            batches.append(batch)
        }
        if elements.isEmpty { openedAt = now }
        elements.append(element)
        bytes += size
        if elements.count >= limits.maxCount, let batch = close(.size, at: now) {
            batches.append(batch)
        } else if let maxBytes = limits.maxBytes, bytes >= maxBytes, let batch = close(.bytes, at: now) {
            batches.append(batch)
        }
        return batches
    }

    /// Closes the open batch for `reason`; `nil` when none is open.
    public mutating func close(_ reason: BatchCloseReason, at now: EventideClock.Instant) -> Batch<Element>? {
        guard !elements.isEmpty, let openedAt else { return nil }
        closed += 1
        let batch = Batch(
            sequence: closed, elements: elements, bytes: bytes, reason: reason, openedAt: openedAt, closedAt: now)
        elements = []
        bytes = 0
        self.openedAt = nil
        return batch
    }
}
