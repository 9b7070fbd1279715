import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Asset references resolve against the active assets; watchers of referenced assets run", .timeLimit(.minutes(3)))
struct ActiveAssetReferenceTests {
    let orders = try! Asset(name: "daily_orders", uri: "s3://lake/orders")
    let other = try! Asset(uri: "s3://lake/other")

    func dag(_ id: String, on condition: some AssetConditionConvertible, paused: Bool = false) throws -> DAG {
        try DAG(id, schedule: .on(condition), isPausedUponCreation: paused, tasks: [TaskDefinition("t") { _ in .none }])
    }

    @Test(
        "a watcher whose asset is consumed only through a reference starts, registered with its consumer or before it",
        arguments: [false, true])
    func watcherOfReferencedAsset(assetFirst: Bool) async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("ref-watcher"))
        let trigger = ManualTrigger(name: "orders")
        let watched = orders.watched(by: [AssetWatcher(name: "orders_w", trigger: trigger)])
        let consumer = try dag("report", on: try Asset.ref(name: "daily_orders"))
        if assetFirst {
            try await orchestrator.register(dags: [], assets: [watched])
            #expect(await orchestrator.triggerer.status(of: "orders_w") == nil, "nobody consumes it yet")
            try await orchestrator.register(dags: [consumer])
        } else {
            try await orchestrator.register(dags: [consumer], assets: [watched])
        }
        #expect(await orchestrator.scheduler.scheduledAssetKeys == [orders.key])
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        let runs = try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: "orders_w", state: .running)
            trigger.fire(["day": "2026-12-01"], messageId: "m1")
            return try await scheduler.waitForFinishedRuns(of: "report", count: 1)
        }
        let run = try #require(runs.first)
        #expect(run.triggeringAssetEvents.map(\.asset) == [orders.key])
        #expect(try await scheduler.activeConsumers()[orders.key] == ["report"])
    }

    @Test("after a restart an asset no registration declares is orphaned: no reference resolves to it until declared")
    func orphanedAssetsDoNotResolve() async throws {
        let database = try TemporaryDatabase.make("ref-orphan")
        let consumer = try dag("report", on: try Asset.ref(name: "daily_orders"), paused: true)
        let first = Scheduler(database: database)
        try await first.register([consumer], assets: [orders])
        #expect(await first.activeAssetKeys == [orders.key])
        let queued = try await first.recordAssetEvent(orders.key, source: .api(messageId: "o-1"))
        #expect(queued.queuedFor == ["report"])

        let restarted = Scheduler(database: database)  // a new parse that no longer declares daily_orders
        try await restarted.register([consumer], assets: [other])
        #expect(await restarted.activeAssetKeys == [other.key])
        #expect(try await restarted.queuedEvents(for: "report").isEmpty, "its reference waits on nothing now")
        try await restarted.setPaused("report", false)
        #expect(try await restarted.runs(of: "report").isEmpty)
        #expect(try await restarted.activeConsumers()[orders.key] == nil)
        #expect(await restarted.consumers(of: orders.key).isEmpty)
        await #expect(throws: AssetError.self) {
            try await restarted.recordAssetEvent(orders.key, source: .api(messageId: "o-2"))
        }

        try await restarted.register([], assets: [orders])  // declared again: active again
        #expect(await restarted.activeAssetKeys == [other.key, orders.key])
        let recorded = try await restarted.recordAssetEvent(orders.key, source: .api(messageId: "o-3"))
        #expect(recorded.queuedFor == ["report"] && recorded.createdRuns.count == 1)
    }

    @Test("a name or a URI belongs to one active asset, the first registered; a reference never names the other")
    func oneActiveAssetPerNameAndURI() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("ref-conflict"))
        let first = try Asset(name: "orders", uri: "s3://lake/a"),
            second = try Asset(name: "orders", uri: "s3://lake/b")
        try await scheduler.register(
            [
                try dag("by_name", on: try Asset.ref(name: "orders")),
                try dag("by_uri", on: try Asset.ref(uri: "s3://lake/b")),
            ],
            assets: [second, first])
        #expect(await scheduler.activeAssetKeys == [first.key], "sorted within one registration: s3://lake/a first")
        let ofSecond = try await scheduler.recordAssetEvent(second.key, source: .api(messageId: nil))
        #expect(ofSecond.queuedFor.isEmpty, "the inactive asset is named by no reference, by name or by URI")
        let ofFirst = try await scheduler.recordAssetEvent(first.key, source: .api(messageId: nil))
        #expect(ofFirst.queuedFor == ["by_name"])
    }
}
