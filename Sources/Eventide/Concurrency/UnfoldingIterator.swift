/// An iterator to advance from the closure of `AsyncThrowingStream(unfolding:)`, for triggers built on another
/// async sequence. The stream asks its closure for one element at a time (iterating a stream from two tasks at
/// once is a programmer error), so the iterator is never advanced concurrently; an actor cannot hold it, because
/// advancing it would send it out of the actor's isolation.
package final class UnfoldingIterator<Base: AsyncIteratorProtocol>: @unchecked Sendable {
    private var base: Base

    package init(_ base: Base) { self.base = base }

    package func next() async throws -> Base.Element? { try await base.next() }
}
