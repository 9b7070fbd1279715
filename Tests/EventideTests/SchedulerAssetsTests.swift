import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Scheduler: asset ids, producers and consumers, queued events, run logical dates", .timeLimit(.minutes(2)))
struct SchedulerAssetsTests {
    let a = try! Asset(uri: "s3://lake/a", group: "lake", extra: ["owner": "sales"])
    let b = try! Asset(uri: "s3://lake/b")

    func scheduler() async throws -> Scheduler {
        let producer = try DAG(
            "producer", tasks: [TaskDefinition("write", outlets: [a]) { _ in .none }])
        let onA = try DAG("on_a", schedule: .on(a & b), tasks: [TaskDefinition("read") { _ in .none }])
        let onB = try DAG("on_b", schedule: .on(b & a), tasks: [TaskDefinition("read") { _ in .none }])
        let scheduler = Scheduler(database: try TemporaryDatabase.make("scheduler-assets"))
        try await scheduler.register([producer, onA, onB], assets: [a, b])
        return scheduler
    }

    @Test func assetsHaveStableIdsAndFilterByURIPattern() async throws {
        let scheduler = try await scheduler()
        let records = try await scheduler.assetRecords()
        #expect(records.map(\.key) == [a.key, b.key])
        let first = try #require(records.first)
        #expect(first.group == "lake")
        #expect(first.extra == ["owner": .string("sales")])
        #expect(try await scheduler.assetRecord(id: first.id) == first)
        #expect(try await scheduler.assetRecord(for: b.key)?.key == b.key)
        #expect(try await scheduler.assetRecord(id: 999) == nil)
        #expect(try await scheduler.assetRecords(uriPattern: "lake/b").map(\.key) == [b.key])
        // Registering again keeps the id.
        try await scheduler.register([], assets: [a])
        #expect(try await scheduler.assetRecord(for: a.key)?.id == first.id)
    }

    @Test func producersAndConsumersAreTheDagsThatWriteAndScheduleOnTheAsset() async throws {
        let scheduler = try await scheduler()
        #expect(await scheduler.producers(of: a.key) == ["producer"])
        #expect(await scheduler.producers(of: b.key) == [])
        #expect(await scheduler.consumers(of: a.key) == ["on_a", "on_b"])
    }

    @Test func queuedEventsAreListedAndDeletedPerDagPerAssetAndByDate() async throws {
        let scheduler = try await scheduler()
        let t0 = Date(timeIntervalSince1970: 1_000)
        try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil), at: t0)
        try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil), at: t0.addingTimeInterval(10))
        #expect(try await scheduler.queuedEvents().count == 4)  // two events, each queued for two DAGs
        #expect(try await scheduler.queuedEvents(dagId: "on_a").map(\.dagId) == ["on_a", "on_a"])
        #expect(try await scheduler.queuedEvents(asset: b.key).isEmpty)
        #expect(try await scheduler.deleteQueuedEvents(dagId: "on_b", before: t0.addingTimeInterval(5)) == 1)
        #expect(try await scheduler.queuedEvents(dagId: "on_b").count == 1)
        #expect(try await scheduler.deleteQueuedEvents(asset: a.key) == 3)
        #expect(try await scheduler.queuedEvents().isEmpty)
        #expect(try await scheduler.assetEvents(for: a.key).count == 2)  // the events themselves stay recorded
        await #expect(throws: DagError.unknownDag("nope")) { try await scheduler.queuedEvents(dagId: "nope") }
    }

    @Test func aRunKeepsItsLogicalDateAndNoteAndALogicalDateIsUsedOncePerDag() async throws {
        let scheduler = try await scheduler()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let ref = try await scheduler.triggerRun("producer", runId: "r1", logicalDate: date, note: "by hand")
        let run = try #require(try await scheduler.run(ref))
        #expect(run.logicalDate == date)
        #expect(run.note == "by hand")
        await #expect(throws: DagError.duplicateLogicalDate(dagId: "producer", logicalDate: date)) {
            try await scheduler.triggerRun("producer", runId: "r2", logicalDate: date)
        }
        let undated = try await scheduler.triggerRun("producer", runId: "r3")
        #expect(try await scheduler.run(undated)?.logicalDate == nil)
        _ = try await scheduler.triggerRun("producer", runId: "r4")  // no logical date: any number of runs
    }
}
