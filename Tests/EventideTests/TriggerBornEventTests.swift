import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Trigger-born asset events carry from_trigger and the trigger event's payload", .timeLimit(.minutes(2)))
struct TriggerBornEventTests {
    let asset = try! Asset(uri: "s3://lake/landing")

    func events(extract: (@Sendable (TriggerEvent) throws -> [String: JSONValue])?) async throws -> [AssetEvent] {
        let trigger = ManualTrigger()
        let watcher =
            extract.map { AssetWatcher(name: "w", trigger: trigger, extract: $0) }
            ?? AssetWatcher(name: "w", trigger: trigger)
        let watched = asset.watched(by: [watcher])
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("trigger-born"))
        let dag = try DAG("consumer", schedule: .on([watched]), tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [dag], assets: [watched])
        try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "w", state: .running)
            trigger.fire(["key": "a.csv", "size": 10], messageId: "m1")
            _ = try await orchestrator.triggerer.waitFor(watcher: "w") { $0.eventsRecorded == 1 }
        }
        return try await orchestrator.scheduler.assetEvents(for: asset.key)
    }

    @Test("the default watcher's event is {from_trigger: true, payload: <payload>}, as Airflow records it")
    func defaultShape() async throws {
        let event = try #require(try await events(extract: nil).first)
        #expect(event.extra == ["from_trigger": true, "payload": ["key": "a.csv", "size": 10]])
        #expect(event.isFromTrigger)
    }

    @Test("keys a watcher's extract adds stay beside from_trigger and the untouched payload")
    func extractKeysBeside() async throws {
        let event = try #require(
            try await events(extract: { ["file": $0.payload["key"] ?? .null, "payload": "replaced"] }).first)
        #expect(event.extra == ["from_trigger": true, "payload": ["key": "a.csv", "size": 10], "file": "a.csv"])
    }

    @Test("an event recorded by a task or the API is not marked")
    func othersUnmarked() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("trigger-born-api"))
        try await scheduler.register([], assets: [asset])
        let recorded = try await scheduler.recordAssetEvent(asset.key, extra: ["k": 1], source: .api(messageId: nil))
        #expect(!recorded.event.isFromTrigger && recorded.event.extra == ["k": 1])
    }
}
