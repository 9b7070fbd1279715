import Synchronization

/// Fans values out to every current subscriber, each through its own `AsyncStream`.
///
/// Used where a component must be woken by something happening (an append, a run finishing) rather than
/// poll for it. Subscribe before checking state, then await: nothing published in between is missed.
package final class Broadcast<Element: Sendable>: Sendable {
    private struct State {
        var nextID = 0
        var continuations: [Int: AsyncStream<Element>.Continuation] = [:]
    }
    private let state = Mutex(State())

    package init() {}

    /// A stream of every value published from now on. Buffers up to `bufferLimit` values (the newest kept).
    package func subscribe(bufferLimit: Int = 1024) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Element.self,
            bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.continuations[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    package func publish(_ value: Element) {
        let continuations = state.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(value) }
    }

    package var subscriberCount: Int { state.withLock { $0.continuations.count } }
}
