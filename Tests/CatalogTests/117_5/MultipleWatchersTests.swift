import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_05_01_multiple_watchers

@Suite("117.5.1 Multiple Watchers per Asset", .timeLimit(.minutes(5)))
struct MultipleWatchersTests {
    typealias Example = MultipleWatchers

    func run() async throws -> Example.Outcome {
        try await Example.run(database: TemporaryDatabase.make("117_05_01")).outcome
    }

    @Test("117.5.1/1 three watchers (queue, file drop, log topic) attached to one asset all deliver to it")
    func attachMultiple() async throws {
        let outcome = try await run()
        let p = outcome.prioritized
        #expect(p.sources.map(\.watcher) == ["orders_queue", "orders_drop", "orders_log"])
        // Copies sent per source in the story: queue 3, file 3 (one late), log 4.
        #expect(p.sources.map(\.delivered) == [3, 3, 4])
        #expect(outcome.unprioritized.sources.map(\.delivered) == [3, 3, 4])
    }

    @Test("117.5.1/2 events from different sources become asset events of the asset, read the same way by the DAG")
    func differentSources() async throws {
        let outcome = try await run()
        let u = outcome.unprioritized
        // Without a priority every copy is an event: each source's extract gave the same order shape.
        #expect(
            try #require(u.order("O-1001")).recordedVia.sorted { $0.rawValue < $1.rawValue } == [.file, .log, .queue])
        #expect(u.assetEvents == 10 && u.runs == 10)
        #expect(u.sources.map(\.recorded) == [3, 3, 4] && u.sources.allSatisfy { $0.dropped == 0 })
    }

    @Test("117.5.1/3 priority: within the window the best-ranked source's copy is recorded, whatever came first")
    func priorityOrder() async throws {
        let p = try await run().prioritized
        let recorded = p.orders.map { $0.recordedVia }
        #expect(recorded == [[.queue], [.file], [.log], [.queue], [.queue]])
        let first = try #require(p.order("O-1001"))
        #expect(first.sentVia == [.log, .file, .queue])
        #expect(first.offeredBy == ["orders_queue", "orders_drop", "orders_log"])
    }

    @Test("117.5.1/4 duplicates dropped: one asset event and one run per order; outranked and late copies counted")
    func deduplicates() async throws {
        let p = try await run().prioritized
        #expect(p.assetEvents == 5 && p.runs == 5)
        #expect(p.orders.allSatisfy { $0.eventIds.count == 1 && $0.runs == 1 })
        let queue = try #require(p.source("orders_queue")), drop = try #require(p.source("orders_drop"))
        let log = try #require(p.source("orders_log"))
        #expect(queue.recorded == 3 && queue.dropped == 0)
        #expect(drop.recorded == 1 && drop.outranked == 1 && drop.late == 1 && drop.dropped == 2)
        #expect(log.recorded == 1 && log.outranked == 3 && log.dropped == 3)
        #expect(p.sources.map(\.delivered).reduce(0, +) == p.sources.map { $0.recorded + $0.dropped }.reduce(0, +))
    }

    @Test("117.5.1 bad flag values are refused")
    func badFlags() {
        for arguments in [["--window-ms", "50"], ["--window-ms", "x"]] {
            #expect(throws: (any Error).self) { _ = try MultipleWatchersCommand.parse(arguments) }
        }
    }

    @Test("117.5.1 a used --db is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await Example.run(database: $0) }
    }
}
