import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Stale queues: a DAG registered again without an asset loses its queued events for it", .timeLimit(.minutes(2)))
struct StaleQueueTests {
    let a = try! Asset(uri: "s3://lake/a")
    let b = try! Asset(uri: "s3://lake/b")

    func consumer(_ schedule: Schedule) throws -> DAG {
        try DAG("consumer", schedule: schedule, tasks: [TaskDefinition("t") { _ in .none }])
    }

    /// A store where `consumer` (scheduled on a & b) has two events of a queued, waiting for b.
    func storeWithQueuedA() async throws -> EventideDatabase {
        let database = try TemporaryDatabase.make("stale-queue")
        let first = Scheduler(database: database)
        try await first.register([try consumer(.on(a & b))], assets: [a, b])
        try await first.recordAssetEvent(a.key, source: .api(messageId: nil))
        try await first.recordAssetEvent(a.key, source: .api(messageId: nil))
        #expect(try await first.queuedEvents(for: "consumer").count == 2)
        return database
    }

    @Test("the schedule no longer names a: its queued events of a are deleted, the events stay recorded")
    func droppedAsset() async throws {
        let database = try await storeWithQueuedA()
        let again = Scheduler(database: database)  // the DAG file changed: the DAG is parsed again
        try await again.register([try consumer(.on([b]))], assets: [a, b])
        #expect(try await again.queuedEvents(for: "consumer").isEmpty)
        #expect(try await again.assetEvents(for: a.key).count == 2)
        // A b event alone now runs it: the stale a events do not ride along.
        let recorded = try await again.recordAssetEvent(b.key, source: .api(messageId: nil))
        let ref = try #require(recorded.createdRuns.first)
        let run = try #require(try await again.run(ref))
        #expect(run.triggeringAssetEvents.map(\.asset) == [b.key])
    }

    @Test("no schedule at all: the whole queue is deleted; the same schedule keeps it")
    func noScheduleAndUnchanged() async throws {
        let database = try await storeWithQueuedA()
        let unchanged = Scheduler(database: database)
        try await unchanged.register([try consumer(.on(a & b))], assets: [a, b])
        #expect(try await unchanged.queuedEvents(for: "consumer").count == 2)
        let unscheduled = Scheduler(database: database)
        try await unscheduled.register([try consumer(.none)], assets: [a, b])
        #expect(try await unscheduled.queuedEvents(for: "consumer").isEmpty)
    }
}
