import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex95_05_03_event_batching

@Suite("95.5.3 Event Batching", .timeLimit(.minutes(5)))
struct EventBatchingTests {
    func run(events: Int = 50, sizes: [Int] = [1, 10]) async throws -> EventBatching.Outcome {
        try await EventBatching.run(
            .init(events: events, sizes: sizes), database: TemporaryDatabase.make("95_05_03")
        ).outcome
    }

    @Test("95.5.3/1 batch collection: every click lands in exactly one batch, stored in order in one transaction each")
    func batchCollection() async throws {
        let outcome = try await run()
        #expect(outcome.batches.flatMap(\.clicks) == outcome.sent)
        #expect(outcome.stored == outcome.sent)
        #expect(outcome.batches.map(\.sequence) == Array(1...outcome.batches.count))
        // Per-batch acknowledgement: each batch once, after it was stored; every click acknowledged once.
        #expect(outcome.batches.filter(\.acknowledged).count == outcome.batches.count)
        #expect(outcome.acknowledgedClicks == outcome.sent)
    }

    @Test("95.5.3/2 window-based batching: a partial batch closes when the window timer fires")
    func windowBatching() async throws {
        let outcome = try await run()
        let windowed = try #require(outcome.batches.first { $0.reason == .window })
        #expect(windowed.clicks == Array(21...25))
    }

    @Test("95.5.3/3 batch size limits: by count and by bytes, an element never split and never over the limits")
    func sizeLimits() async throws {
        let outcome = try await run()
        #expect(outcome.batches.filter { $0.reason == .size }.map(\.clicks.count) == [10, 10])
        let byBytes = outcome.batches.filter { $0.reason == .bytes }
        #expect(byBytes.map(\.clicks.count) == [2, 2])
        #expect(outcome.batches.allSatisfy { $0.bytes <= 1_024 && $0.clicks.count <= 10 })
        // Closed before the next click would pass the limit: with it, the batch would be over.
        let large = EventBatching.Click(id: 99, page: "/search?q=" + String(repeating: "x", count: 380) + "&n=99")
        #expect(byBytes.allSatisfy { $0.bytes + large.size > 1_024 })
    }

    @Test("95.5.3/4 flush triggers: an explicit flush closes the open batch; shutdown delivers the last partial one")
    func flushTriggers() async throws {
        let outcome = try await run()
        #expect(outcome.batches.map(\.reason) == [.size, .size, .window, .bytes, .bytes, .flush, .shutdown])
        #expect(outcome.batches.last?.clicks == [32, 33, 34])
    }

    @Test("95.5.3/expected events batched: throughput and latency measured per batch size; a used store is refused")
    func expectedBehavior() async throws {
        let outcome = try await run(events: 60, sizes: [1, 20])
        #expect(outcome.measurements.map(\.batchSize) == [1, 20])
        // Size 1: one batch per click; size 20: at least three (the 50 ms window may close one early).
        #expect(outcome.measurements.first?.batches == 60 && (outcome.measurements.last?.batches ?? 0) >= 3)
        #expect(outcome.measurements.allSatisfy { $0.clicks == 60 && $0.clicksPerSecond > 0 })
        let database = try TemporaryDatabase.make("95_05_03_reuse")
        _ = try await EventBatching.run(.init(events: 5, sizes: [5]), database: database)
        await #expect(throws: EventBatching.ScenarioError.storeUsed(path: database.path, records: 34)) {
            try await EventBatching.run(.init(events: 5, sizes: [5]), database: database)
        }
        let cli = try ExampleProcess.checkCommandLine(
            "95_05_03_event_batching", item: "95.5.3", badArguments: ["--sizes", "10,zero"],
            expectInError: "--sizes")
        let batches = try #require(cli["batches"] as? [[String: Any]])
        #expect(batches.count == 7)
    }
}
