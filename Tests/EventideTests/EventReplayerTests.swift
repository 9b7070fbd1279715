import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Event replay: recorded events into a new run or a consumer's queue, idempotently", .timeLimit(.minutes(2)))
struct EventReplayerTests {
    let orders = try! Asset(uri: "s3://lake/orders", name: "orders")

    /// `load` is scheduled on orders (paused: the test decides when runs happen), `rebuild` is not.
    func scheduler(_ clock: TestClock) async throws -> Scheduler {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("replay"), clock: EventideClock(clock))
        try await scheduler.register(
            [
                try DAG(
                    "load", schedule: .on([orders]), assetTriggering: .perEvent,
                    tasks: [TaskDefinition("t") { _ in .none }]),
                try DAG("rebuild", tasks: [TaskDefinition("t") { _ in .none }]),
            ], assets: [orders])
        return scheduler
    }

    /// Records `count` events 10 s apart on the test clock; returns their ids.
    func record(_ scheduler: Scheduler, _ clock: TestClock, count: Int) async throws -> [Int64] {
        var ids: [Int64] = []
        for n in 0..<count {
            await clock.advance(by: .seconds(10))
            ids.append(
                try await scheduler.recordAssetEvent(
                    orders.key, extra: ["n": .number(Double(n))], source: .api(messageId: nil)
                ).event.id)
        }
        return ids
    }

    @Test("a time range selects by stamp; the new run carries exactly the pending events; a second replay is a no-op")
    func newRunIdempotent() async throws {
        let clock = TestClock()
        let scheduler = try await scheduler(clock)
        try await scheduler.setPaused("load", true)
        let ids = try await record(scheduler, clock, count: 4)  // stamped epoch+10 … +40 s
        let ledger = try ProcessedEventLedger(database: scheduler.database, consumer: "rebuild")
        let first = try #require(try await scheduler.assetEvents(for: orders.key).first)
        _ = try await ledger.process(first) { _ in }  // the first one was processed before
        let replayer = EventReplayer(scheduler: scheduler)
        let range = ReplaySelection.timeRange(from: clock.epoch, until: clock.epoch.addingTimeInterval(35))
        let result = try await replayer.replay(orders.key, range, into: .newRun(dagId: "rebuild"), ledger: ledger)
        #expect(result.selected == Array(ids.prefix(3)) && result.skippedAsProcessed == [ids[0]])
        #expect(result.replayed == [ids[1], ids[2]])
        let ref = try #require(result.createdRuns.first)
        let run = try #require(try await scheduler.run(ref))
        #expect(run.runType == .manual && run.triggeringAssetEvents.map(\.id) == [ids[1], ids[2]])
        #expect(run.conf["replay"]?["event_ids"] == .array([.number(Double(ids[1])), .number(Double(ids[2]))]))
        // The run's task marks them processed; replaying the same selection again sends nothing.
        for event in run.triggeringAssetEvents { _ = try await ledger.process(event) { _ in } }
        let again = try await replayer.replay(orders.key, range, into: .newRun(dagId: "rebuild"), ledger: ledger)
        #expect(again.isNoOp && again.createdRuns.isEmpty && again.skippedAsProcessed == Array(ids.prefix(3)))
        #expect(try await scheduler.runs(of: "rebuild").count == 1)
        // .all sends them anyway (the task's ledger then skips their effects).
        let forced = try await replayer.replay(
            orders.key, .eventIds([ids[0]]), into: .newRun(dagId: "rebuild"), ledger: ledger, policy: .all)
        #expect(forced.replayed == [ids[0]] && forced.createdRuns.count == 1)
        let status = try await replayer.status(of: orders.key, .offsets(from: ids[0], through: nil), ledger: ledger)
        #expect(status.processed == Array(ids.prefix(3)) && status.pending == [ids[3]])
    }

    @Test("re-queue by offsets: the consumer's condition makes its runs at once; a non-consumer is refused")
    func requeue() async throws {
        let clock = TestClock()
        let scheduler = try await scheduler(clock)
        let ids = try await record(scheduler, clock, count: 3)  // unpaused: each made its run (perEvent)
        #expect(try await scheduler.runs(of: "load").count == 3)
        let replayer = EventReplayer(scheduler: scheduler)
        let result = try await replayer.replay(
            orders.key, .offsets(from: ids[1], through: nil), into: .requeue(consumer: "load"), ledger: nil)
        #expect(result.replayed == [ids[1], ids[2]] && result.createdRuns.count == 2)
        let runs = try await scheduler.runs(of: "load")
        #expect(runs.suffix(2).map { $0.triggeringAssetEvents.map(\.id) } == [[ids[1]], [ids[2]]])
        #expect(try await scheduler.queuedEvents(for: "load").isEmpty)
        await #expect(throws: ReplayError.notAConsumer(dagId: "rebuild", asset: "orders")) {
            try await replayer.replay(orders.key, .eventIds([ids[0]]), into: .requeue(consumer: "rebuild"), ledger: nil)
        }
        await #expect(throws: ReplayError.unknownEvents(asset: "orders", ids: [999])) {
            try await replayer.replay(orders.key, .eventIds([999]), into: .newRun(dagId: "rebuild"), ledger: nil)
        }
        #expect(try await scheduler.runs(of: "rebuild").isEmpty)
    }
}
