import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Asset-or-time and asset-and-time schedules", .timeLimit(.minutes(3)))
struct CombinedScheduleTests {
    let orders = try! Asset(uri: "s3://lake/orders")
    let refunds = try! Asset(uri: "s3://lake/refunds")

    func orchestrator(_ clock: TestClock, _ dag: DAG) async throws -> Orchestrator {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("combined"), clock: EventideClock(clock))
        try await orchestrator.register(dags: [dag], assets: [orders, refunds])
        return orchestrator
    }

    func eventIds(_ run: DagRun) -> [Int64] { run.triggeringAssetEvents.map(\.id).sorted() }

    @Test("asset-or-time: the condition makes asset_triggered runs that consume events, the timetable scheduled runs")
    func assetOrTime() async throws {
        let clock = TestClock()
        let dag = try DAG(
            "report",
            schedule: .assetOrTime(
                try AssetOrTimeSchedule(timetable: .interval(.seconds(60)), assets: orders | refunds)),
            tasks: [TaskDefinition("t") { _ in .none }])
        let orchestrator = try await orchestrator(clock, dag)
        let scheduler = orchestrator.scheduler
        let (runs, firstEvent, queuedAfter) = try await orchestrator.withServices {
            try await clock.waitForSleepers()  // the timetable waits for its first tick
            let first = try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "o-1"))
            #expect(first.createdRuns.count == 1, "the event alone makes a run")
            _ = try await scheduler.waitForFinishedRuns(of: "report", count: 1)
            await clock.advance(by: .seconds(60))  // the timetable's tick
            _ = try await scheduler.waitForFinishedRuns(of: "report", count: 2)
            let second = try await scheduler.recordAssetEvent(refunds.key, source: .api(messageId: "r-1"))
            let runs = try await scheduler.waitForFinishedRuns(of: "report", count: 3)
            #expect(second.createdRuns.count == 1)
            return (runs, first.event, try await scheduler.queuedEvents(for: "report"))
        }
        let sorted = runs.sorted { $0.queuedAt < $1.queuedAt || ($0.queuedAt == $1.queuedAt && $0.runId < $1.runId) }
        #expect(runs.filter { $0.runType == .assetTriggered }.count == 2)
        let scheduled = try #require(runs.first { $0.runType == .scheduled })
        #expect(scheduled.triggeringAssetEvents.isEmpty, "a tick consumes no event")
        let asset = runs.filter { $0.runType == .assetTriggered }.map(eventIds)
        #expect(asset.contains([firstEvent.id]))
        #expect(sorted.count == 3 && queuedAfter.isEmpty)
    }

    @Test("asset-and-time: events alone make no run; the tick makes one scheduled run that consumes them")
    func assetAndTime() async throws {
        let clock = TestClock()
        let dag = try DAG(
            "settle",
            schedule: .assetAndTime(
                try AssetAndTimeSchedule(timetable: .interval(.seconds(60)), assets: orders & refunds)),
            tasks: [TaskDefinition("t") { _ in .none }])
        let orchestrator = try await orchestrator(clock, dag)
        let scheduler = orchestrator.scheduler
        try await orchestrator.withServices {
            try await clock.waitForSleepers()
            let o1 = try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "o-1"))
            let r1 = try await scheduler.recordAssetEvent(refunds.key, source: .api(messageId: "r-1"))
            #expect(o1.createdRuns.isEmpty && r1.createdRuns.isEmpty, "the condition holds, the time has not come")
            #expect(try await scheduler.runs(of: "settle").isEmpty)
            #expect(try await scheduler.queuedEvents(for: "settle").count == 2)

            await clock.advance(by: .seconds(60))  // time has come, the condition already holds: a run at the tick
            let first = try #require(try await scheduler.waitForFinishedRuns(of: "settle", count: 1).first)
            #expect(first.runType == .scheduled)
            #expect(eventIds(first) == [o1.event.id, r1.event.id].sorted())
            #expect(try await scheduler.queuedEvents(for: "settle").isEmpty)

            // The next tick finds half the condition: the gate stays open until the event that completes it.
            let o2 = try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "o-2"))
            await clock.advance(by: .seconds(60))
            let r2 = try await scheduler.recordAssetEvent(refunds.key, source: .api(messageId: "r-2"))
            let runs = try await scheduler.waitForFinishedRuns(of: "settle", count: 2)
            let second = try #require(runs.first { $0.runId != first.runId })
            #expect(second.runType == .scheduled && eventIds(second) == [o2.event.id, r2.event.id].sorted())

            // The gate closed with that run: a complete condition before the next tick waits for it.
            let o3 = try await scheduler.recordAssetEvent(orders.key, source: .api(messageId: "o-3"))
            let r3 = try await scheduler.recordAssetEvent(refunds.key, source: .api(messageId: "r-3"))
            #expect(o3.createdRuns.isEmpty && r3.createdRuns.isEmpty)
            #expect(try await scheduler.queuedEvents(for: "settle").count == 2)
            await clock.advance(by: .seconds(60))
            let third = try await scheduler.waitForFinishedRuns(of: "settle", count: 3)
            #expect(third.count == 3)
        }
    }

    @Test("an asset schedule nested as the timetable, or a timetable that never fires, is refused")
    func nestedRefused() throws {
        #expect(throws: ScheduleError.nestedAssetSchedule(kind: "assets")) {
            try AssetOrTimeSchedule(timetable: .on([orders]), assets: refunds)
        }
        let inner = Schedule.assetOrTime(try AssetOrTimeSchedule(timetable: .interval(.seconds(1)), assets: orders))
        #expect(throws: ScheduleError.nestedAssetSchedule(kind: "asset_or_time")) {
            try AssetAndTimeSchedule(timetable: inner, assets: refunds)
        }
        #expect(throws: ScheduleError.timetableNeverFires) {
            try AssetOrTimeSchedule(timetable: .none, assets: [orders])
        }
        #expect(throws: ScheduleError.timetableNeverFires) {
            try AssetAndTimeSchedule(timetable: .interval(.zero), assets: [orders])
        }
    }
}
