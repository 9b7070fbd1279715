import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

/// Where Airflow's users are stuck, pinned down: apache/airflow#56050, #49857 and #56750.
@Suite("Scheduler: runs at the active-run limit, unpausing, events each run consumed", .timeLimit(.minutes(2)))
struct SchedulerStuckCasesTests {
    let a = try! Asset(uri: "s3://lake/a")
    let b = try! Asset(uri: "s3://lake/b")

    @Test("#56050: events queued while a DAG is at max_active_runs make the next run as soon as a run finishes")
    func nextRunWhenASlotFrees() async throws {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let firstRun = Mutex(true)
        let dag = try DAG(
            "consumer", schedule: .on([a]), maxActiveRuns: 1,
            tasks: [
                TaskDefinition("t") { _ in
                    // The first run holds its slot until the test opens the gate.
                    if firstRun.withLock({ first in
                        defer { first = false }; return first
                    }) {
                        for await _ in gate { break }
                    }
                    return .none
                }
            ])
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("stuck-56050"))
        try await orchestrator.register(dags: [dag], assets: [a])
        let scheduler = orchestrator.scheduler
        let runs = try await orchestrator.withServices {
            let first = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))
            #expect(first.createdRuns.count == 1)
            let second = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))
            #expect(second.createdRuns.isEmpty, "the only slot is taken: the event waits in the queue")
            #expect(try await scheduler.queuedEvents(for: "consumer").map(\.id) == [second.event.id])
            open.yield()  // the first run finishes; no new event arrives
            return try await scheduler.waitForFinishedRuns(of: "consumer", count: 2)
        }
        #expect(runs.map { $0.triggeringAssetEvents.count } == [1, 1])
        #expect(try await scheduler.queuedEvents(for: "consumer").isEmpty)
    }

    @Test("#49857: unpausing a DAG whose condition queued events already meet creates its run at once")
    func unpauseCreatesTheRun() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("stuck-49857"))
        let dag = try DAG(
            "consumer", schedule: .on(a & b), isPausedUponCreation: true, tasks: [TaskDefinition("t") { _ in .none }])
        try await scheduler.register([dag], assets: [a, b])
        let ea = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil))
        let eb = try await scheduler.recordAssetEvent(b.key, source: .api(messageId: nil))
        #expect(ea.createdRuns.isEmpty && eb.createdRuns.isEmpty, "paused: the events are queued, no run")
        #expect(try await scheduler.runs(of: "consumer").isEmpty)
        try await scheduler.setPaused("consumer", false)
        let run = try #require(try await scheduler.runs(of: "consumer").first, "created by the unpause itself")
        #expect(run.triggeringAssetEvents.map(\.id) == [ea.event.id, eb.event.id])
    }

    @Test("#56750: each run's record says exactly which events it consumed, and --json-style encoding keeps them")
    func consumedEventsPerRun() async throws {
        let scheduler = Scheduler(database: try TemporaryDatabase.make("stuck-56750"))
        let dag = try DAG("consumer", schedule: .on(a & b), tasks: [TaskDefinition("t") { _ in .none }])
        try await scheduler.register([dag], assets: [a, b])
        var firstBatch: [Int64] = []
        for _ in 0..<3 {
            firstBatch.append(try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil)).event.id)
        }
        firstBatch.append(try await scheduler.recordAssetEvent(b.key, source: .api(messageId: nil)).event.id)
        let secondA = try await scheduler.recordAssetEvent(a.key, source: .api(messageId: nil)).event.id
        let secondB = try await scheduler.recordAssetEvent(b.key, source: .api(messageId: nil)).event.id
        let runs = try await scheduler.runs(of: "consumer")
        try #require(runs.count == 2)
        #expect(runs[0].triggeringAssetEvents.map(\.id) == firstBatch, "many events, one run: all four, named")
        #expect(runs[1].triggeringAssetEvents.map(\.id) == [secondA, secondB])
        let decoded = try JSONDecoder().decode([DagRun].self, from: JSONEncoder().encode(runs))
        #expect(decoded.map { $0.triggeringAssetEvents.map(\.id) } == [firstBatch, [secondA, secondB]])
    }
}
