/// An aggregate whose state exists only as the events of its stream: `apply` folds one event into the state,
/// and the state after the last event is the aggregate's state. `apply` must be pure (no clock, no I/O), so
/// that replaying the same events always gives the same state.
public protocol Aggregate: Sendable {
    associatedtype State: Codable & Sendable & Equatable

    /// The state before the first event.
    static var initialState: State { get }

    /// The state after `event`.
    static func apply(_ event: RecordedEvent, to state: State) throws -> State
}

/// An aggregate's state as loaded from its stream.
public struct LoadedAggregate<State: Codable & Sendable & Equatable>: Sendable {
    public let stream: String
    public let state: State
    /// The version the state is at: append the next events with `.exactly(version)`.
    public let version: Int
    /// The snapshot version the load started from (nil: from the first event).
    public let snapshotVersion: Int?
    /// How many events the load applied on top of the snapshot (or of the initial state).
    public let replayed: Int

    public init(stream: String, state: State, version: Int, snapshotVersion: Int?, replayed: Int) {
        self.stream = stream
        self.state = state
        self.version = version
        self.snapshotVersion = snapshotVersion
        self.replayed = replayed
    }

    /// The expected version of the next append (`.noStream` for an aggregate with no events yet).
    public var expectedVersion: ExpectedVersion { version == 0 ? .noStream : .exactly(version) }
}
