import PostgresNIO
import Synchronization

/// Tells the statements waiting on one connection that its channel closed: one callback on the close future for
/// the connection's life, however many statements run on it (a callback a statement would pile up on a
/// connection polled every few milliseconds for days).
final class ChannelClosing: Sendable {
    enum Watch: Sendable {
        case watching(Int)
        case alreadyClosed
    }

    private struct State {
        var closed = false
        var nextId = 0
        var watchers: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    init(_ closeFuture: EventLoopFuture<Void>) {
        closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }  // no slot value left, so no statement waits
            let watchers = state.withLock { state in
                state.closed = true
                defer { state.watchers = [:] }
                return Array(state.watchers.values)
            }
            for closed in watchers { closed() }
        }
    }

    /// Calls `closed` when the channel closes, unless `unwatch` comes first; `.alreadyClosed` (and no call) if it
    /// has closed.
    func watch(_ closed: @escaping @Sendable () -> Void) -> Watch {
        state.withLock { state in
            guard !state.closed else { return .alreadyClosed }
            defer { state.nextId += 1 }
            state.watchers[state.nextId] = closed
            return .watching(state.nextId)
        }
    }

    func unwatch(_ id: Int) { state.withLock { _ = $0.watchers.removeValue(forKey: id) } }

    /// How many statements wait on the channel now (for tests).
    var watching: Int { state.withLock { $0.watchers.count } }
}
