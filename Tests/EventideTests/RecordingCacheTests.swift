import EventideTesting
import Foundation
import Synchronization
import Testing

@testable import Eventide

/// The recording path resolves consumers, references and aliases once per registration generation and reads a
/// DAG's queue once per group commit (`RecordingResolution`, `DagQueue`), and the REST API looks assets up in an
/// index (`AssetIndex`): every registration must invalidate them, and what events change (alias resolutions,
/// queues, run counts) must be seen by the next event.
@Suite("Recording caches: invalidated by registrations, kept current by events", .timeLimit(.minutes(2)))
struct RecordingCacheTests {
    let orders = try! Asset(uri: "s3://lake/orders")
    let refunds = try! Asset(uri: "s3://lake/refunds")

    func dag(_ id: String, _ schedule: Schedule, mode: AssetTriggerMode = .batched, maxActiveRuns: Int = 16) throws
        -> DAG
    {
        try DAG(
            id, schedule: schedule, maxActiveRuns: maxActiveRuns, assetTriggering: mode,
            tasks: [TaskDefinition("work") { _ in .none }])
    }

    func emit(_ scheduler: Scheduler, _ asset: AssetKey, alias: AssetAlias? = nil) async throws
        -> Scheduler.Recorded
    {
        try await scheduler.recordAssetEvent(asset, source: .api(messageId: nil), alias: alias)
    }

    @Test("a DAG registered after events of its asset were recorded gets the next event queued and a run")
    func registrationInvalidatesConsumers() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("cache-consumers"))
        try await scheduler.register([], assets: [orders])
        let before = try await emit(scheduler, orders.key)
        #expect(before.queuedFor.isEmpty, "nothing waits on orders yet (and the resolution is now cached)")

        try await scheduler.register([try dag("late", .on(orders))])
        let after = try await emit(scheduler, orders.key)
        #expect(after.queuedFor == ["late"])
        #expect(after.createdRuns.map(\.dagId) == ["late"])
        let run = try #require(try await scheduler.runs(of: "late").first)
        #expect(run.triggeringAssetEvents.map(\.id) == [after.event.id])
    }

    @Test("an alias resolved by an event makes later events of that asset, with or without the alias, queue")
    func aliasResolutionKeepsConsumersCurrent() async throws {
        let alias = try AssetAlias(name: "partitions")
        let scheduler = Scheduler(database: try TemporaryDatabase.make("cache-alias"))
        try await scheduler.register([try dag("by_alias", .on(alias), mode: .perEvent)], assets: [orders])
        #expect(try await emit(scheduler, orders.key).queuedFor.isEmpty, "the alias resolves to nothing yet")
        #expect(try await emit(scheduler, orders.key, alias: alias).queuedFor == ["by_alias"])
        let direct = try await emit(scheduler, orders.key)
        #expect(direct.queuedFor == ["by_alias"], "the alias now resolves to orders")
        #expect(direct.createdRuns.count == 1)
    }

    @Test("an alias resolved by another scheduler on the same database is seen by the next event")
    func aliasResolvedElsewhereIsReloaded() async throws {
        let alias = try AssetAlias(name: "partitions")
        let database = try TemporaryDatabase.make("cache-alias-shared")
        let consuming = Scheduler(database: database)
        try await consuming.register([try dag("by_alias", .on(alias))], assets: [orders])
        #expect(try await emit(consuming, orders.key).queuedFor.isEmpty)

        let producing = Scheduler(database: database)  // another process's scheduler, say
        _ = try await emit(producing, orders.key, alias: alias)
        #expect(try await emit(consuming, orders.key).queuedFor == ["by_alias"])
    }

    @Test("concurrent events share commits and still respect max_active_runs, numbering runs once each")
    func batchedQueueStaysExact() async throws {
        let database = try TemporaryDatabase.make("cache-batch")
        let scheduler = Scheduler(database: database)
        try await scheduler.register(
            [try dag("capped", .on(orders), mode: .perEvent, maxActiveRuns: 5)], assets: [orders])
        // The store's writer is held until 39 events wait behind the first one's commit, so that they share the
        // next commit however the machine schedules the tasks (a loaded machine once let each commit alone).
        let held = Mutex(false)
        let holding = Task {
            try await database.pool.writeWithoutTransaction { _ in
                held.withLock { $0 = true }
                let deadline = ContinuousClock.now + .seconds(30)
                while scheduler.recordings.waiting < 39 && ContinuousClock.now < deadline { usleep(1_000) }
            }
        }
        while !held.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        let recorded = try await withThrowingTaskGroup(of: Scheduler.Recorded.self) { group in
            for _ in 0..<40 { group.addTask { try await self.emit(scheduler, self.orders.key) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await holding.value
        #expect(recorded.count == 40 && recorded.allSatisfy { $0.queuedFor == ["capped"] })
        let statistics = scheduler.recordingStatistics()
        #expect(statistics.commits.commits == 2, "the first event alone, then the 39 that waited for it")
        #expect(statistics.commits.requests == 40 && statistics.commits.largestBatch == 39)
        #expect(statistics.transactions.writing > .zero && statistics.transactions.flushing > .zero)
        let runs = try await scheduler.runs(of: "capped")
        #expect(runs.count == 5)
        #expect(Set(runs.map(\.runId)).count == 5)
        #expect(Set(recorded.flatMap(\.createdRuns).map(\.runId)) == Set(runs.map(\.runId)))
        let queued = try await scheduler.queuedEvents(for: "capped")
        #expect(queued.count == 35)
        let consumed = Set(runs.flatMap(\.triggeringAssetEvents).map(\.id))
        #expect(consumed.count == 5 && consumed.isDisjoint(with: queued.map(\.id)))
    }

    @Test("the asset index follows registrations: new assets, and two assets sharing a name")
    func assetIndexFollowsRegistrations() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("cache-index"))
        try await scheduler.register([], assets: [orders])
        let first = try await scheduler.indexedAssetRecords(uri: orders.uri)
        #expect(first.map(\.key) == [orders.key])
        #expect(try await scheduler.indexedAssetRecords(uri: refunds.uri).isEmpty)
        let id = try #require(first.first?.id)
        #expect(try await scheduler.indexedAssetRecord(id: id)?.key == orders.key)

        let twin = try Asset(name: orders.name, uri: "s3://lake/orders-copy")
        try await scheduler.register([], assets: [refunds, twin])
        #expect(try await scheduler.indexedAssetRecords(uri: refunds.uri).map(\.key) == [refunds.key])
        #expect(try await scheduler.indexedAssetRecords(name: orders.name).map(\.key) == [orders.key, twin.key])
    }
}
