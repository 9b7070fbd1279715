import Eventide
import EventideTesting
import Foundation
import Testing

@testable import Ex117_04_03_multi_event_runs

@Suite("117.4.3 Multi-Event DAG Runs", .timeLimit(.minutes(3)))
struct MultiEventRunsTests {
    func run() async throws -> MultiEventRuns.Outcome {
        try await MultiEventRuns.run(database: TemporaryDatabase.make("117_04_03")).outcome
    }

    @Test(
        "117.4.3/1 a burst of four orders and the payment that completes orders & payments make one run of five events")
    func severalEventsPerRun() async throws {
        let outcome = try await run()
        for phase in [outcome.serial, outcome.parallel] {
            #expect(phase.run.consumed.count == 5)
            #expect(
                phase.run.consumedAssets.map { String($0.prefix { $0 != "#" }) } == [
                    "orders", "orders", "orders", "orders", "payments",
                ])
            #expect(phase.awaitingBeforePayment == ["payments"], "the orders alone do not satisfy the condition")
            #expect(phase.run.runType == .assetTriggered)
        }
        #expect(outcome.serial.run.consumed == [1, 2, 3, 4, 5])
        #expect(outcome.parallel.run.consumed == [6, 7, 8, 9, 10])
    }

    @Test(
        "117.4.3/2 aggregation: clicks wait at the active-run limit and the next run, created as the first ends, takes them all; a 30 s window takes what came in it"
    )
    func aggregationWindow() async throws {
        let aggregation = try await run().aggregation
        let clicks = aggregation.clicks
        try #require(clicks.count == 6)
        #expect(aggregation.tally.map(\.consumed) == [[clicks[0]], Array(clicks[1...3]), [clicks[4]], [clicks[5]]])
        #expect(aggregation.queuedAtLimit == 3)
        #expect(aggregation.tally.map(\.startedAt) == [0, 10, 35, 45], "each next run starts as the previous ends")
        #expect(aggregation.window.map(\.consumed) == [Array(clicks[0...3]), Array(clicks[4...5])])
        #expect(aggregation.window.map(\.runType) == [.scheduled, .scheduled])
        #expect(aggregation.window.map(\.startedAt) == [30, 60], "one run when each window closes")
    }

    @Test("117.4.3/3 every triggering event reaches the tasks: collect reads all five, the branches settle every order")
    func allTriggeringEventsInTasks() async throws {
        let outcome = try await run()
        for phase in [outcome.serial, outcome.parallel] {
            #expect(phase.seenByCollect == phase.run.consumed)
            let payment = try #require(phase.run.consumed.last)
            #expect(phase.paymentsSeen == [payment])
            #expect(phase.joined.sorted() == Array(phase.run.consumed.dropLast()))
            #expect(phase.spans.map(\.orders.count) == [1, 1, 1, 1], "one branch per order")
        }
    }

    @Test(
        "117.4.3/4 parallel branches: with maxActiveTasksPerRun 4 the four branches overlap (4 at once, 10 s); the serial default runs one at a time (40 s)"
    )
    func parallelBranches() async throws {
        let outcome = try await run()
        let serial = outcome.serial, parallel = outcome.parallel
        #expect(serial.maxActiveTasksPerRun == 1 && parallel.maxActiveTasksPerRun == 4)
        #expect(serial.peakConcurrentBranches == 1)
        #expect(parallel.peakConcurrentBranches == 4)
        #expect(serial.run.endedAt - serial.run.startedAt == 40)
        #expect(parallel.run.endedAt - parallel.run.startedAt == 10)
        let spans = serial.spans.sorted { $0.startedAt < $1.startedAt }
        for (earlier, later) in zip(spans, spans.dropFirst()) { #expect(earlier.endedAt <= later.startedAt) }
        #expect(Set(parallel.spans.map(\.startedAt)).count == 1, "all four started together")
    }

    @Test("117.4.3 a used --db is refused")
    func refusesUsedStore() async throws {
        try await expectRefusesUsedStore { try await MultiEventRuns.run(database: $0) }
    }
}
