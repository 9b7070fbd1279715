import Synchronization

/// The scenario's source of clicks: `send` and `finish` like a stream's continuation, and `waitUntilTaken(_:)`
/// to know that the batcher has taken a number of clicks (it asked for the next one), so that a flush or the
/// next step is not raced against clicks still in flight.
final class ClickFeed: AsyncSequence, Sendable {
    typealias Element = EventBatching.Click
    typealias Failure = Never

    private let stream: AsyncStream<Element>
    private let continuation: AsyncStream<Element>.Continuation
    private let state = Mutex<(asked: Int, waiters: [(Int, CheckedContinuation<Void, Never>)])>((0, []))

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func send(_ click: Element) { continuation.yield(click) }
    func finish() { continuation.finish() }

    /// Returns once the batcher asked for click `count + 1`: the first `count` are in its hands.
    func waitUntilTaken(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.asked > count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func asked() {
        let ready = state.withLock { state in
            state.asked += 1
            let asked = state.asked
            let ready = state.waiters.filter { asked > $0.0 }.map(\.1)
            state.waiters.removeAll { asked > $0.0 }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<Element>.Iterator
        let feed: ClickFeed
        mutating func next() async -> Element? {
            feed.asked()
            return await base.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: stream.makeAsyncIterator(), feed: self) }
}
