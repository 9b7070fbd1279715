import Eventide
import EventideTesting
import Testing

@Suite("BatchingTrigger: batch size and window")
struct BatchingTriggerTests {
    struct Broken: Error, Equatable {}

    @Test("a full batch is emitted at once; the rest when the window timer fires, without waiting to fill")
    func sizeAndWindow() async throws {
        let source = ManualTrigger()
        var batches = try BatchingTrigger(source, maxSize: 10, window: .milliseconds(300)).events().makeAsyncIterator()
        await source.waitUntilOpened()
        for n in 1...25 { source.fire(["n": .number(Double(n))], messageId: "m\(n)") }
        var sizes: [Int] = [], ids: [String] = []
        while sizes.reduce(0, +) < 25 {
            let batch = try #require(try await batches.next())
            sizes.append(batch.payload["count"]?.intValue ?? 0)
            ids += (batch.payload["message_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(batch.payload["messages"]?.arrayValue?.count == batch.payload["count"]?.intValue)
        }
        #expect(sizes.allSatisfy { $0 <= 10 } && sizes.filter { $0 == 10 }.count >= 2, "sizes \(sizes)")
        #expect(ids == (1...25).map { "m\($0)" }, "every event once, in order")
        let started = ContinuousClock.now
        source.fire(["n": 26], messageId: "m26")
        let lone = try #require(try await batches.next())
        #expect(lone.payload["count"] == 1 && lone.messageId == "batch:m26", "emitted by the window, not held for nine more")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("acknowledging a batch acknowledges every member; rejecting rejects those that can be, acknowledges the rest")
    func acknowledgement() async throws {
        let source = ManualTrigger()
        var batches = try BatchingTrigger(source, maxSize: 3, window: .seconds(30)).events().makeAsyncIterator()
        await source.waitUntilOpened()
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
        #expect(source.rejected.map(\.messageId) == ["b1", "b3"] && source.rejected.allSatisfy { $0.reason == "schema v3 unknown" })
        #expect(source.acknowledged.suffix(1) == ["b2"])
    }

    @Test("the source's failure ends the batch stream with its error")
    func failurePropagates() async throws {
        let source = ManualTrigger()
        var batches = try BatchingTrigger(source, maxSize: 5, window: .seconds(30)).events().makeAsyncIterator()
        await source.waitUntilOpened()
        source.fail(Broken())
        await #expect(throws: Broken.self) { _ = try await batches.next() }
    }
}
