import AsyncAlgorithms

/// Groups a source's elements into batches (`BatchLimits`: by count, by bytes, by a window timer on the injected
/// clock) and by explicit flushes (`BatchFlush`). When the source ends or fails, or the consumer is cancelled, the
/// last partial batch is still delivered (reason `.shutdown`) before the stream ends or rethrows the failure: no
/// element taken from the source is dropped. Each batch is acknowledged once, as a whole (`Batch.acknowledge`).
///
/// ```swift
/// let batcher = Batcher<Order>(BatchLimits(maxCount: 100, maxBytes: 64_000, window: .seconds(1)),
///                              size: { $0.encodedSize }, acknowledge: { try await queue.delete($0) })
/// for try await batch in batcher.batches(of: orders, flushes: flush) {
///     try await store.insert(batch.elements); try await batch.acknowledge()
/// }
/// ```
///
/// The window timer ticks every `window` from the start (a tumbling window, as Lambda's batching window): a batch
/// closes at the first tick after it opened, so its first element waits at most `window`.
public struct Batcher<Element: Sendable>: Sendable {
    public let limits: BatchLimits
    public let clock: EventideClock
    private let size: @Sendable (Element) -> Int
    private let acknowledge: (@Sendable ([Element]) async throws -> Void)?

    public init(
        _ limits: BatchLimits, clock: EventideClock = .system, size: @escaping @Sendable (Element) -> Int = { _ in 0 },
        acknowledge: (@Sendable ([Element]) async throws -> Void)? = nil
    ) {
        self.limits = limits
        self.clock = clock
        self.size = size
        self.acknowledge = acknowledge
    }

    private enum Input: Sendable {
        case element(Element)
        case end
        case flush
        case tick
    }

    /// The batches of `source`, in order.
    public func batches<Source: AsyncSequence & Sendable>(
        of source: Source, flushes: BatchFlush? = nil
    ) -> AsyncThrowingStream<Batch<Element>, any Error> where Source.Element == Element {
        let elements = chain(source.map { Input.element($0) }, [Input.end].async)
        let requests = (flushes?.requests ?? AsyncStream { $0.finish() }).map { Input.flush }
        // Without a window the timer's ticks are ignored; a long period keeps it asleep.
        let ticks = AsyncTimerSequence(interval: limits.window ?? .seconds(86_400), clock: clock).map { _ in Input.tick
        }
        let inputs = UnfoldingIterator(merge(elements, requests, ticks).makeAsyncIterator())
        let state = BatcherState(BatchAccumulator<Element>(limits: limits))
        let (clock, size, acknowledge, windowed) = (clock, size, acknowledge, limits.window != nil)
        return AsyncThrowingStream {
            if let ready = state.takeReady() { return ready.acknowledged(by: acknowledge) }
            if let failure = state.takeFailure() { throw failure }
            while !state.ended {
                let input: Input?
                do {
                    input = try await inputs.next()
                } catch {
                    state.fail(error)
                    input = nil
                }
                switch input {
                case .element(let element):
                    state.add(element, size: size(element), at: clock.now)
                case .flush:
                    state.close(.flush, at: clock.now)
                case .tick where windowed:
                    state.close(.window, at: clock.now)
                case .tick:
                    break
                case .end, nil:
                    // The source ended or failed, or the consumer was cancelled: the last partial batch first.
                    state.close(.shutdown, at: clock.now)
                    state.end()
                }
                if let ready = state.takeReady() { return ready.acknowledged(by: acknowledge) }
            }
            if let failure = state.takeFailure() { throw failure }
            return nil
        }
    }
}

/// The accumulator and the batches closed but not yet handed on, shared by the stream's `next` calls (one at a
/// time: AsyncThrowingStream's unfolding closure is never run concurrently).
private final class BatcherState<Element: Sendable>: @unchecked Sendable {
    private var accumulator: BatchAccumulator<Element>
    private var ready: [Batch<Element>] = []
    private var failure: (any Error)?
    private(set) var ended = false

    init(_ accumulator: BatchAccumulator<Element>) { self.accumulator = accumulator }

    func add(_ element: Element, size: Int, at now: EventideClock.Instant) {
        ready += accumulator.add(element, size: size, at: now)
    }

    func close(_ reason: BatchCloseReason, at now: EventideClock.Instant) {
        if let batch = accumulator.close(reason, at: now) { ready.append(batch) }
    }

    func takeReady() -> Batch<Element>? { ready.isEmpty ? nil : ready.removeFirst() }

    func fail(_ error: any Error) { failure = error }

    func takeFailure() -> (any Error)? {
        defer { failure = nil }
        return failure
    }

    func end() { ended = true }
}
