import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Watchers follow their consumers and share identical triggers", .timeLimit(.minutes(3)))
struct WatcherConsumersTests {
    let orders = try! Asset(uri: "s3://lake/orders")
    let audit = try! Asset(uri: "s3://lake/audit")

    func dag(_ id: String, on condition: some AssetConditionConvertible, paused: Bool = false) throws -> DAG {
        try DAG(id, schedule: .on(condition), isPausedUponCreation: paused, tasks: [TaskDefinition("t") { _ in .none }])
    }

    @Test("pausing the last consumer stops the watcher, its source keeps the message; unpausing starts it again")
    func followsConsumers() async throws {
        let database = try TemporaryDatabase.make("consumers")
        let orchestrator = Orchestrator(database: database)
        let queues = EmbeddedQueue(database: database)
        try await queues.createQueue("orders")
        let trigger = EmbeddedQueueTrigger(queues: queues, queue: "orders", wait: .milliseconds(200))
        let watched = orders.watched(by: [AssetWatcher(name: "w", trigger: trigger)])
        try await orchestrator.register(
            dags: [try dag("first", on: watched), try dag("second", on: watched | audit)], assets: [watched, audit])
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        let (whilePaused, afterUnpause) = try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: "w", state: .running)
            try await scheduler.setPaused("first", true)
            try await scheduler.setPaused("second", true)  // the last consumer
            _ = try await triggerer.waitFor(watcher: "w", state: .idle)
            _ = try await queues.send("orders", body: #"{"id": 1}"#)
            let whilePaused = try await queues.counts("orders")
            try await scheduler.setPaused("first", false)
            _ = try await triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 1 }
            let runs = try await scheduler.waitForFinishedRuns(of: "first", count: 1)
            return (whilePaused, runs)
        }
        #expect(whilePaused.visible == 1 && whilePaused.inFlight == 0, "kept by the source while nobody consumes")
        #expect(afterUnpause.count == 1 && afterUnpause.first?.triggeringAssetEvents.count == 1)
        #expect(try await queues.counts("orders") == (visible: 0, inFlight: 0), "acknowledged after the commit")
        let history = try #require(await triggerer.status(of: "w")?.history)
        #expect(history.contains(.idle) && history.last == .stopped)
        #expect(try await scheduler.queuedEvents(for: "second").count == 1, "queued for the paused DAG too")
    }

    @Test("a watcher whose only consumer is paused upon creation stays idle; one added with .always runs anyway")
    func idleUntilConsumed() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("consumers"))
        let following = ManualTrigger(name: "following"), always = ManualTrigger(name: "always")
        let watched = orders.watched(by: [AssetWatcher(name: "following", trigger: following)])
        try await orchestrator.register(dags: [try dag("paused", on: watched, paused: true)], assets: [watched])
        try await orchestrator.triggerer.add(AssetWatcher(name: "always", trigger: always), for: orders.key)
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "always", state: .running)
            _ = try await orchestrator.triggerer.waitFor(watcher: "following", state: .idle)
            try await orchestrator.scheduler.setPaused("paused", false)
            _ = try await orchestrator.triggerer.waitFor(watcher: "following", state: .running)
        }
        #expect(following.opened == 1 && always.opened == 1)
    }

    @Test("identical triggers on two assets share one running trigger; each event reaches every consuming asset")
    func sharedTrigger() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("sharing"))
        let trigger = ManualTrigger(name: "shared")
        let a = orders.watched(by: [AssetWatcher(name: "orders_w", trigger: trigger, sharingKey: "queue/raw")])
        let b = audit.watched(by: [AssetWatcher(name: "audit_w", trigger: trigger, sharingKey: "queue/raw")])
        try await orchestrator.register(
            dags: [try dag("load_orders", on: a), try dag("load_audit", on: b)], assets: [a, b])
        let triggerer = orchestrator.triggerer, scheduler = orchestrator.scheduler
        try await orchestrator.withServices {
            _ = try await triggerer.waitFor(watcher: "orders_w", state: .running)
            _ = try await triggerer.waitFor(watcher: "audit_w", state: .running)
            #expect(trigger.opened == 1, "one running trigger for both")
            trigger.fire(["n": 1], messageId: "m1")
            _ = try await triggerer.waitFor(watcher: "orders_w") { $0.eventsRecorded == 1 }
            _ = try await triggerer.waitFor(watcher: "audit_w") { $0.eventsRecorded == 1 }

            try await scheduler.setPaused("load_orders", true)
            _ = try await triggerer.waitFor(watcher: "orders_w", state: .idle)
            #expect(await triggerer.status(of: "audit_w")?.state == .running)
            trigger.fire(["n": 2], messageId: "m2")
            _ = try await triggerer.waitFor(watcher: "audit_w") { $0.eventsRecorded == 2 }
            #expect(trigger.opened == 1, "still the same trigger")

            try await scheduler.setPaused("load_audit", true)
            _ = try await triggerer.waitFor(watcher: "audit_w", state: .idle)
            try await scheduler.setPaused("load_orders", false)
            _ = try await triggerer.waitFor(watcher: "orders_w", state: .running)
            try await trigger.waitUntilOpened(times: 2)
            trigger.fire(["n": 3], messageId: "m3")
            _ = try await triggerer.waitFor(watcher: "orders_w") { $0.eventsRecorded == 2 }
        }
        #expect(trigger.acknowledged == ["m1", "m2", "m3"], "each event acknowledged once, after every commit")
        let ordersEvents = try await scheduler.assetEvents(for: orders.key).map { $0.extra["payload"]?["n"] }
        let auditEvents = try await scheduler.assetEvents(for: audit.key).map { $0.extra["payload"]?["n"] }
        #expect(ordersEvents == [1, 3] && auditEvents == [1, 2])
    }

    @Test("watchers made from the same trigger URI share; different URIs do not")
    func uriSharingKey() throws {
        let database = try TemporaryDatabase.make("uri")
        let registry = TriggerRegistry.embedded(log: EventLog(database: database))
        let one = try AssetWatcher(name: "a", source: "eventide://queue/raw?wait=1", registry: registry)
        let two = try AssetWatcher(name: "b", source: "eventide://queue/raw?wait=1", registry: registry)
        let other = try AssetWatcher(name: "c", source: "eventide://queue/cooked?wait=1", registry: registry)
        #expect(one.sharingKey != nil && one.sharingKey == two.sharingKey)
        #expect(one.sharingKey != other.sharingKey)
    }
}
