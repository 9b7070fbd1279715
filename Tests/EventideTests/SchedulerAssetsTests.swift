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
        #expect(Set(records.map(\.key)) == [a.key, b.key])
        #expect(records.map(\.id) == records.map(\.id).sorted())  // ordered by id
        let first = try #require(records.first { $0.key == a.key })
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

@Suite("Scheduler: concurrent asset events share commits", .timeLimit(.minutes(2)))
struct SchedulerGroupCommitTests {
    @Test func concurrentRecordsEachGetTheirOwnOutcomeAndRepeatsWithinABatchAreDuplicates() async throws {
        let asset = try Asset(uri: "s3://lake/orders")
        let consumer = try DAG("consumer", schedule: .on([asset]), tasks: [TaskDefinition("read") { _ in .none }])
        let scheduler = Scheduler(database: try TemporaryDatabase.make("group-commit"))
        try await scheduler.register([consumer], assets: [asset])
        // 60 calls at once, 12 distinct message ids each sent 5 times: 12 events, 48 duplicates.
        let results = try await withThrowingTaskGroup(of: (String, Scheduler.Recorded).self) { group in
            for n in 0..<60 {
                let id = "m\(n % 12)"
                group.addTask {
                    (id, try await scheduler.recordAssetEvent(asset.key, source: .api(messageId: id)))
                }
            }
            var results: [(String, Scheduler.Recorded)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.filter { !$0.1.duplicate }.count == 12)
        #expect(try await scheduler.assetEvents(for: asset.key).count == 12)
        for (id, recorded) in results {  // a duplicate answers with the first event of its id
            let first = try #require(results.first { $0.0 == id && !$0.1.duplicate })
            #expect(recorded.event.id == first.1.event.id)
        }
        #expect(try await scheduler.runs(of: "consumer").count == 12)  // one run per new event (per-event mode)
        let undeclared = AssetKey(name: "nope", uri: "nope")
        await #expect(throws: AssetError.self) {
            try await scheduler.recordAssetEvent(undeclared, source: .api(messageId: nil))
        }
    }
}
