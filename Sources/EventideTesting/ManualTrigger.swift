import Eventide
import Synchronization

/// A trigger a test fires by hand: `fire(_:)` delivers an event to the current sequence, `fail(_:)` makes it
/// throw, and acknowledgements are counted, so tests can check at-least-once behaviour exactly. What its consumer
/// has taken is observable too (`delivered`, `waitUntilAwaitingMore(afterDelivering:)`), so a test can wait until
/// fired events have really reached the code that reads the trigger.
public final class ManualTrigger: Trigger {
    private struct State {
        var continuation: AsyncThrowingStream<TriggerEvent, any Error>.Continuation?
        var acknowledged: [String] = []
        var rejected: [(messageId: String, reason: String)] = []
        var opened = 0
        /// Of the current sequence: events handed to its consumer, and its consumer's calls of `next()`.
        var delivered = 0
        var requests = 0
    }
    private let state = Mutex(State())
    private let opens = Broadcast<Int>()
    private let requestCounts = Broadcast<Int>()
    public let name: String

    public init(name: String = "manual") { self.name = name }
    public var description: String { "ManualTrigger(\(name))" }

    public func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TriggerEvent.self)
        let sequence = state.withLock { state in
            state.continuation = continuation
            state.opened += 1
            state.delivered = 0
            state.requests = 0
            return state.opened
        }
        opens.publish(sequence)
        // Each `next()` of the consumer is counted before it waits for an event, and each event handed over after.
        let fired = UnfoldingIterator(stream.makeAsyncIterator())
        return AsyncThrowingStream { [self] in
            let requests = state.withLock { state -> Int? in
                guard state.opened == sequence else { return nil }  // a sequence replaced by a newer one
                state.requests += 1
                return state.requests
            }
            if let requests { requestCounts.publish(requests) }
            let event = try await fired.next()
            if event != nil { state.withLock { if $0.opened == sequence { $0.delivered += 1 } } }
            return event
        }
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

    /// Waits until the consumer of the current sequence has taken `count` events and asks for another (its
    /// `next()` call after the `count`-th event has begun): whatever it does with an event before asking for the
    /// next one has then happened, e.g. a batching window's merge holds all `count` events ahead of any later
    /// timer tick. Throws `WaitError.deadlineExceeded` after `deadline`.
    public func waitUntilAwaitingMore(afterDelivering count: Int, deadline: WaitDeadline = .default) async throws {
        let stream = requestCounts.subscribe()
        if state.withLock({ $0.requests }) > count { return }
        try await deadline.enforce(waitingFor: "the consumer of \(name) to ask for an event after \(count)") {
            for await requests in stream where requests > count { return }
            throw WaitError.ended(waitingFor: "the consumer of \(self.name) to ask for more")
        }
    }

    public var opened: Int { state.withLock { $0.opened } }
    /// Events of the current sequence handed to its consumer so far.
    public var delivered: Int { state.withLock { $0.delivered } }
    public var acknowledged: [String] { state.withLock { $0.acknowledged } }
    /// Messages the watcher rejected (dead-lettered at the source), with the reasons, in order.
    public var rejected: [(messageId: String, reason: String)] { state.withLock { $0.rejected } }

    /// Delivers an event; `onAcknowledge` runs when the watcher acknowledges it (before it is counted); if it
    /// throws, the acknowledgement fails with its error and is not counted.
    /// With `rejectable`, the event offers a source-side dead-letter destination (`TriggerEvent.reject`).
    public func fire(
        _ payload: JSONValue, messageId: String, rejectable: Bool = false,
        onAcknowledge: @escaping @Sendable () async throws -> Void = {}
    ) {
        var reject: (@Sendable (String) async throws -> Void)?
        if rejectable {
            reject = { @Sendable [self] reason in state.withLock { $0.rejected.append((messageId, reason)) } }
        }
        let event = TriggerEvent(
            payload: payload, messageId: messageId,
            acknowledge: { [self] in
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
