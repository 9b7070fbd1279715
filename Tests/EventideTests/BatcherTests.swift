import Eventide
import EventideTesting
import Synchronization
import Testing

/// `BatchAccumulator` (the decision) and `Batcher` (driven by a source, flushes and the window timer on a test
/// clock): batches close by size, bytes, window, flush; the last partial batch is delivered on shutdown and on a
/// failure; a batch is acknowledged once, as a whole.
@Suite("Batcher", .timeLimit(.minutes(2)))
struct BatcherTests {
    struct Broken: Error, Equatable {}

    static let t0 = EventideClock.Instant(offset: .zero)

    @Test("count: a batch closes at maxCount, in order, numbered")
    func size() {
        var accumulator = BatchAccumulator<Int>(limits: BatchLimits(maxCount: 3))
        let closed = (1...7).flatMap { accumulator.add($0, size: 1, at: Self.t0) }
        #expect(closed.map(\.elements) == [[1, 2, 3], [4, 5, 6]] && closed.map(\.sequence) == [1, 2])
        #expect(closed.allSatisfy { $0.reason == .size } && accumulator.elements == [7])
        let last = accumulator.close(.shutdown, at: Self.t0.advanced(by: .seconds(1)))
        #expect(last?.elements == [7] && last?.reason == .shutdown && last?.age == .seconds(1))
        #expect(accumulator.close(.flush, at: Self.t0) == nil, "nothing open, nothing closed")
    }

    @Test("bytes: a batch closes before an element would pass maxBytes; an element larger than it is a batch alone")
    func bytes() {
        var accumulator = BatchAccumulator<String>(limits: BatchLimits(maxCount: 100, maxBytes: 10))
        var closed: [Batch<String>] = []
        for text in ["aaaa", "bbbb", "ccc", "dddddddddddddddd", "ee", "ffffffff"] {
            closed += accumulator.add(text, size: text.utf8.count, at: Self.t0)
        }
        #expect(closed.map(\.elements) == [["aaaa", "bbbb"], ["ccc"], ["dddddddddddddddd"], ["ee", "ffffffff"]])
        #expect(closed.map(\.bytes) == [8, 3, 16, 10])
        #expect(closed.allSatisfy { $0.reason == .bytes && $0.bytes <= 10 || $0.elements.count == 1 })
        #expect(accumulator.isEmpty)
    }

    /// Collects the batcher's batches as they come.
    final class Collector: Sendable {
        let batches = Mutex<[Batch<TriggerEvent>]>([])
        let arrivals: AsyncStream<Batch<TriggerEvent>>
        let continuation: AsyncStream<Batch<TriggerEvent>>.Continuation
        init() { (arrivals, continuation) = AsyncStream.makeStream() }
        var ids: [[String]] { batches.withLock { $0.map { $0.elements.compactMap(\.messageId) } } }
        var reasons: [BatchCloseReason] { batches.withLock { $0.map(\.reason) } }
    }

    func collect(_ stream: AsyncThrowingStream<Batch<TriggerEvent>, any Error>, into collector: Collector)
        async throws
    {
        for try await batch in stream {
            collector.batches.withLock { $0.append(batch) }
            collector.continuation.yield(batch)
        }
    }

    @Test("window, flush and shutdown: the timer closes a partial batch, a flush closes one now, the end the last")
    func windowFlushShutdown() async throws {
        let source = ManualTrigger()
        let clock = TestClock()
        let flush = BatchFlush()
        let batcher = Batcher<TriggerEvent>(
            BatchLimits(maxCount: 4, window: .seconds(10)), clock: EventideClock(clock))
        let collector = Collector()
        async let done: Void = collect(batcher.batches(of: try source.events(), flushes: flush), into: collector)
        var arrivals = collector.arrivals.makeAsyncIterator()
        try await source.waitUntilOpened()
        for n in 1...6 { source.fire(["n": .number(Double(n))], messageId: "m\(n)") }
        _ = await arrivals.next()  // m1…m4 by size
        try await source.waitUntilAwaitingMore(afterDelivering: 6)
        try await clock.waitForSleepers()
        await clock.advance(by: .seconds(10))
        let windowed = try #require(await arrivals.next())
        #expect(windowed.reason == .window && windowed.closedAt.offset == .seconds(10))
        source.fire(["n": 7], messageId: "m7")
        try await source.waitUntilAwaitingMore(afterDelivering: 7)
        flush()
        _ = await arrivals.next()
        source.fire(["n": 8], messageId: "m8")
        try await source.waitUntilAwaitingMore(afterDelivering: 8)
        source.finish()
        try await done
        #expect(collector.ids == [["m1", "m2", "m3", "m4"], ["m5", "m6"], ["m7"], ["m8"]])
        #expect(collector.reasons == [.size, .window, .flush, .shutdown])
    }

    @Test("a source that fails: the waiting elements are delivered first, then the failure")
    func failureAfterThePartialBatch() async throws {
        let source = ManualTrigger()
        let batcher = Batcher<TriggerEvent>(BatchLimits(maxCount: 10))
        let collector = Collector()
        let stream = batcher.batches(of: try source.events())
        let done = Task { try await collect(stream, into: collector) }
        try await source.waitUntilOpened()
        source.fire(["n": 1], messageId: "a")
        source.fire(["n": 2], messageId: "b")
        try await source.waitUntilAwaitingMore(afterDelivering: 2)
        source.fail(Broken())
        await #expect(throws: Broken.self) { try await done.value }
        #expect(collector.ids == [["a", "b"]] && collector.reasons == [.shutdown])
    }

    @Test("a batch is acknowledged once, as a whole; a failed acknowledgement can be tried again")
    func acknowledgement() async throws {
        let acknowledged = Mutex<[[Int]]>([])
        let failNext = Mutex(true)
        let batcher = Batcher<Int>(
            BatchLimits(maxCount: 2),
            acknowledge: { elements in
                if failNext.withLock({
                    let fail = $0; $0 = false; return fail
                }) {
                    throw Broken()
                }
                acknowledged.withLock { $0.append(elements) }
            })
        let source = AsyncStream<Int> { continuation in
            for n in 1...3 { continuation.yield(n) }
            continuation.finish()
        }
        var batches = batcher.batches(of: source).makeAsyncIterator()
        let first = try #require(try await batches.next())
        await #expect(throws: Broken.self) { try await first.acknowledge() }
        #expect(!first.isAcknowledged)
        try await first.acknowledge()
        try await first.acknowledge()
        #expect(first.isAcknowledged && acknowledged.withLock { $0 } == [[1, 2]])
        let last = try #require(try await batches.next())
        #expect(last.elements == [3] && last.reason == .shutdown)
        #expect(try await batches.next() == nil)
    }
}
