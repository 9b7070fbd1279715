import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

@Suite("Templated tasks: arguments rendered from the run's triggering events before the body", .timeLimit(.minutes(2)))
struct TemplatedTaskTests {
    let landing = try! Asset(uri: "s3://lake/landing")

    @Test("a trigger event's payload reaches the task's arguments; a missing field fails the task, body not run")
    func throughTheOrchestrator() async throws {
        let seen = Mutex<[String]>([])
        let trigger = ManualTrigger()
        let watched = landing.watched(by: [AssetWatcher(name: "landing_watcher", trigger: trigger)])
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("templated-task"))
        let dag = try DAG(
            "load", schedule: .on([watched]),
            tasks: [
                .templated(
                    "copy",
                    arguments: ["key": "{{ triggering_asset_events[asset][0].extra.payload.key }}"],
                    variables: ["asset": .string(landing.uri)]
                ) { _, arguments in
                    let key = try arguments.string("key")
                    seen.withLock { $0.append(key) }
                    return TaskOutput(value: .string(key))
                }
            ])
        try await orchestrator.register(dags: [dag], assets: [watched])
        let runs = try await orchestrator.withServices {
            _ = try await orchestrator.triggerer.waitFor(watcher: "landing_watcher", state: .running)
            trigger.fire(["key": "a.csv"], messageId: "m1")
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "load", count: 1)
            trigger.fire(["name": "b.csv"], messageId: "m2")
            return try await orchestrator.scheduler.waitForFinishedRuns(of: "load", count: 2)
        }
        let ordered = runs.sorted { $0.queuedAt < $1.queuedAt }
        try #require(ordered.count == 2)
        #expect(ordered[0].state == .success)
        #expect(ordered[0].task("copy")?.returnValue == "a.csv")
        #expect(ordered[1].state == .failed)
        #expect(ordered[1].task("copy")?.state == .failed)
        #expect(ordered[1].task("copy")?.note != nil)
        #expect(seen.withLock { $0 } == ["a.csv"])
    }

    @Test("context.render reads the run's logical date, conf and params from inside a task")
    func renderInsideATask() async throws {
        let rendered = Mutex<String?>(nil)
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("templated-render"))
        let dag = try DAG(
            "report",
            tasks: [
                TaskDefinition("write") { context in
                    let text = try await context.render(
                        "{{ ds }} {{ params.region }} {{ conf.limit }}", params: ["region": "eu", "limit": 1])
                    rendered.withLock { $0 = text }
                    return .none
                }
            ])
        try await orchestrator.register(dags: [dag])
        try await orchestrator.withServices {
            _ = try await orchestrator.scheduler.triggerRun(
                "report", conf: ["limit": 5], logicalDate: Date(timeIntervalSince1970: 86_400))
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "report", count: 1)
        }
        #expect(rendered.withLock { $0 } == "1970-01-02 eu 5")
    }
}
