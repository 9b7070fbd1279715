import Eventide
import Synchronization

/// A trigger a test fires by hand: `fire(_:)` delivers an event to the current sequence, `fail(_:)` makes it
/// throw, and acknowledgements are counted, so tests can check at-least-once behaviour exactly.
public final class ManualTrigger: Trigger {
    private struct State {
        var continuation: AsyncThrowingStream<TriggerEvent, any Error>.Continuation?
        var acknowledged: [String] = []
        var rejected: [(messageId: String, reason: String)] = []
        var opened = 0
    }
    private let state = Mutex(State())
    private let opens = Broadcast<Int>()
    public let name: String

    public init(name: String = "manual") { self.name = name }
    public var description: String { "ManualTrigger(\(name))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TriggerEvent.self)
        let count = state.withLock { state in
            state.continuation = continuation
            state.opened += 1
            return state.opened
        }
        opens.publish(count)
        return stream
    }

    /// Waits until `events()` has been called `count` times in total; throws `WaitError.deadlineExceeded` after
    /// `deadline`.
    public func waitUntilOpened(times count: Int = 1, deadline: WaitDeadline = .default) async throws {
        let stream = opens.subscribe()
        if opened >= count { return }
        try await deadline.enforce(waitingFor: "\(name) to be opened \(count) time(s)") {
            for await opened in stream where opened >= count { return }
            throw WaitError.ended(waitingFor: "\(self.name) to be opened")
        }
    }

    public var opened: Int { state.withLock { $0.opened } }
    public var acknowledged: [String] { state.withLock { $0.acknowledged } }
    /// Messages the watcher rejected (dead-lettered at the source), with the reasons, in order.
    public var rejected: [(messageId: String, reason: String)] { state.withLock { $0.rejected } }

    /// Delivers an event; `onAcknowledge` runs when the watcher acknowledges it (before it is counted); if it
    /// throws, the acknowledgement fails with its error and is not counted.
    /// With `rejectable`, the event offers a source-side dead-letter destination (`TriggerEvent.reject`).
    public func fire(_ payload: JSONValue, messageId: String, rejectable: Bool = false,
                     onAcknowledge: @escaping @Sendable () async throws -> Void = {}) {
        var reject: (@Sendable (String) async throws -> Void)?
        if rejectable {
            reject = { @Sendable [self] reason in state.withLock { $0.rejected.append((messageId, reason)) } }
        }
        let event = TriggerEvent(payload: payload, messageId: messageId, acknowledge: { [self] in
            try await onAcknowledge()
            state.withLock { $0.acknowledged.append(messageId) }
        }, reject: reject)
        _ = state.withLock { $0.continuation }?.yield(event)
    }

    public func fail(_ error: any Error) {
        state.withLock { $0.continuation }?.finish(throwing: error)
    }

    public func finish() {
        state.withLock { $0.continuation }?.finish()
    }
}
