import Eventide
import EventideTesting
import Foundation
import Synchronization
import Testing

@Suite("Interval schedules", .timeLimit(.minutes(3)))
struct IntervalScheduleTests {
    @Test("a DAG with an interval schedule gets a scheduled run every interval; a paused one gets none")
    func intervalRuns() async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("interval"))
        let every = try DAG(
            "every_20ms", schedule: .interval(.milliseconds(20)), tasks: [TaskDefinition("t") { _ in .none }])
        let paused = try DAG(
            "paused", schedule: .interval(.milliseconds(5)), isPausedUponCreation: true,
            tasks: [TaskDefinition("t") { _ in .none }])
        try await orchestrator.register(dags: [every, paused])
        let runs = try await orchestrator.withServices {
            try await orchestrator.scheduler.waitForFinishedRuns(of: "every_20ms", count: 3)
        }
        #expect(runs.count >= 3)
        #expect(runs.allSatisfy { $0.runType == .scheduled && $0.state == .success })
        #expect(try await orchestrator.scheduler.runs(of: "paused").isEmpty)
    }
}
