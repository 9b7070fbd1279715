/// How much a ``Resequencer`` buffers and what it does when a gap does not fill.
///
/// Events behind a gap wait in the key's buffer until the gap fills, at most `timeout` (from the arrival of the
/// oldest of them) and at most `capacity` events. Then the gap is given up, reported as a ``SequenceGap``, and:
/// - ``GapAction/skip``: the events behind it are released in order; the consumer proceeds without the missing
///   ones (they are `late` if they turn up after all).
/// - ``GapAction/deadLetter``: the run of events right behind the gap goes to the dead-letter queue instead (their
///   effect depends on what is missing: a person decides), and the key proceeds after them.
public struct ResequencingPolicy: Sendable, Hashable, Codable {
    public enum GapAction: String, Sendable, Hashable, Codable, CaseIterable {
        case skip
        case deadLetter = "dead_letter"
    }

    public let capacity: Int
    public let timeout: Duration
    public let onGap: GapAction

    public init(capacity: Int, timeout: Duration, onGap: GapAction) throws(ResequencingError) {
        guard capacity > 0 else {
            throw .invalidPolicy(reason: "the buffer capacity must be at least 1, got \(capacity)")
        }
        guard timeout > .zero else { throw .invalidPolicy(reason: "the timeout must be positive") }
        self.capacity = capacity
        self.timeout = timeout
        self.onGap = onGap
    }
}
