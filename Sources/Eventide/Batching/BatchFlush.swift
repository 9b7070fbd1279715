/// Asks a running batcher to close its open batch now (an explicit flush: before a checkpoint, on an operator's
/// request, when a caller needs what it sent to be processed). One `BatchFlush` serves one batcher.
public struct BatchFlush: Sendable {
    let requests: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        (requests, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// Closes the batcher's open batch (nothing happens when it has none).
    public func callAsFunction() { continuation.yield() }
}
