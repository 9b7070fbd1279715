import Synchronization

/// A thread-safe counter: `next()` returns 1, 2, 3, …
public final class Counter: Sendable {
    private let value = Mutex(0)
    public init() {}
    @discardableResult
    public func next() -> Int {
        value.withLock {
            $0 += 1; return $0
        }
    }
    public var current: Int { value.withLock { $0 } }
}
