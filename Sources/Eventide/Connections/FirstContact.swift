import Synchronization

/// Whether a client has reached its server at least once, shared by the copies of a client value: before,
/// a failure is likely a wrong address (report it within `ReconnectBackoff.firstContactDeadline`); after, an
/// outage (ride it out until `ReconnectBackoff.deadline`). Pass it to `ReconnectBackoff.run(contact:)`.
public final class FirstContact: Sendable {
    private let reached = Atomic<Bool>(false)

    public init() {}

    public var hasHappened: Bool { reached.load(ordering: .relaxed) }

    public func record() { reached.store(true, ordering: .relaxed) }
}
