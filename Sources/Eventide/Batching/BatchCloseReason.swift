/// Why a batch closed.
public enum BatchCloseReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// It reached `BatchLimits.maxCount`.
    case size
    /// The next element would have passed `BatchLimits.maxBytes` (or one element alone does).
    case bytes
    /// The window timer fired with the batch open.
    case window
    /// Someone asked for it (`BatchFlush`).
    case flush
    /// The source ended, failed or the consumer was cancelled: the last partial batch, delivered, never dropped.
    case shutdown
}
