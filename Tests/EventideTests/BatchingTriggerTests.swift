import Eventide
import EventideTesting
import Synchronization
import Testing

@Suite("BatchingTrigger: batch size and window", .timeLimit(.minutes(3)))
struct BatchingTriggerTests {
    struct Broken: Error, Equatable {}

    @Test("a full batch is emitted at once; the rest when the window timer fires on the clock, without waiting to fill")
    func sizeAndWindow() async throws {
        let source = ManualTrigger()
        let clock = TestClock()
        let trigger = BatchingTrigger(source, maxSize: 10, window: .seconds(300), clock: EventideClock(clock))
        let (batches, delivered) = AsyncStream.makeStream(of: TriggerEvent.self)
        let received = Mutex(0)
        async let consumed: Void = {
            var iterator = try trigger.events().makeAsyncIterator()
            while let batch = try await iterator.next() {
                received.withLock { $0 += 1 }
                delivered.yield(batch)
            }
        }()
        var arrivals = batches.makeAsyncIterator()
        try await source.waitUntilOpened()
        for n in 1...25 { source.fire(["n": .number(Double(n))], messageId: "m\(n)") }
        var sizes: [Int] = [], ids: [String] = []
        for _ in 1...2 {
            let batch = try #require(await arrivals.next())
            sizes.append(batch.payload["count"]?.intValue ?? 0)
            ids += (batch.payload["message_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        #expect(sizes == [10, 10], "full batches at once, before any window ends")
        // The last five are with the chunker (ahead of any tick) once it asks the source for a 26th event.
        try await source.waitUntilAwaitingMore(afterDelivering: 25)
        #expect(source.delivered == 25)
        try await clock.waitForSleepers()
        await clock.advance(by: .seconds(300))
        let rest = try #require(await arrivals.next())
        #expect(
            rest.payload["count"] == 5 && rest.payload["messages"]?.arrayValue?.count == 5, "the window emits the rest")
        ids += (rest.payload["message_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(ids == (1...25).map { "m\($0)" }, "every event once, in order")

        source.fire(["n": 26], messageId: "m26")
        try await source.waitUntilAwaitingMore(afterDelivering: 26)
        try await clock.waitForSleepers()
        await clock.advance(by: .seconds(299))
        #expect(received.withLock { $0 } == 3, "held until the window ends")
        await clock.advance(by: .seconds(1))
        let lone = try #require(await arrivals.next())
        #expect(
            lone.payload["count"] == 1 && lone.messageId == "batch:m26", "emitted by the window, not held for nine more"
        )
        source.finish()
        try await consumed
    }

    @Test("acknowledging a batch acknowledges every member; rejecting rejects those that can be, acknowledges the rest")
    func acknowledgement() async throws {
        let source = ManualTrigger()
        var batches = try BatchingTrigger(source, maxSize: 3, window: .seconds(30)).events().makeAsyncIterator()
        try await source.waitUntilOpened()
        for n in 1...3 { source.fire(["n": .number(Double(n))], messageId: "a\(n)") }
        let first = try #require(try await batches.next())
        try await first.acknowledge()
        #expect(source.acknowledged == ["a1", "a2", "a3"])
        source.fire(["n": 4], messageId: "b1", rejectable: true)
        source.fire(["n": 5], messageId: "b2")
        source.fire(["n": 6], messageId: "b3", rejectable: true)
        let second = try #require(try await batches.next())
        let reject = try #require(second.reject)
        try await reject("schema v3 unknown")
        #expect(
            source.rejected.map(\.messageId) == ["b1", "b3"]
                && source.rejected.allSatisfy { $0.reason == "schema v3 unknown" })
        #expect(source.acknowledged.suffix(1) == ["b2"])
    }

    @Test("the source's failure ends the batch stream with its error")
    func failurePropagates() async throws {
        let source = ManualTrigger()
        var batches = try BatchingTrigger(source, maxSize: 5, window: .seconds(30)).events().makeAsyncIterator()
        try await source.waitUntilOpened()
        source.fail(Broken())
        await #expect(throws: Broken.self) { _ = try await batches.next() }
    }
}
