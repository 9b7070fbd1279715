import EventideTesting
import Foundation
import GRDB
import Testing

@testable import Eventide

/// A task's outlet events and its success are committed together (`Scheduler.completeTask`), as Airflow registers
/// a task's asset changes in the commit that marks it successful.
@Suite("Task completion: outlet events and success in one commit", .timeLimit(.minutes(2)))
struct TaskCompletionTests {
    let first = try! Asset(name: "first")
    let second = try! Asset(name: "second")

    /// A DAG whose one task emits both outlets, and a consumer of the first, registered on a fresh store.
    func orchestrator() async throws -> Orchestrator {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("task-completion"))
        try await orchestrator.register(
            dags: [
                try DAG(
                    "producer",
                    tasks: [
                        TaskDefinition("publish", outlets: [first, second]) { _ in
                            TaskOutput(value: .string("done"))
                        }
                    ]),
                try DAG("consumer", schedule: .on([first]), tasks: [TaskDefinition("read") { _ in .none }]),
            ], assets: [first, second])
        return orchestrator
    }

    @Test("a refused second outlet leaves neither event, no consumer run, and the task not successful")
    func refusedOutletUndoesTheWholeCompletion() async throws {
        let orchestrator = try await orchestrator()
        // The store refuses the second outlet's event, as a full disk or a broken constraint would: the first
        // outlet's event was already written in the same transaction.
        try await orchestrator.database.pool.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER refuse_second BEFORE INSERT ON asset_event WHEN NEW.name = 'second'
                    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
        }
        let run = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("producer")
            return try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "producer", count: 1).first)
        }
        #expect(run.state == .failed)
        let task = try #require(run.taskInstances.first)
        #expect(task.state == .failed)
        #expect(task.note?.contains("refused by the test") == true, "the refusal is the task's failure")
        #expect(task.returnValue == nil, "no part of the success was stored")
        #expect(try await orchestrator.scheduler.assetEvents(for: first.key).isEmpty, "the first outlet is undone")
        #expect(try await orchestrator.scheduler.assetEvents(for: second.key).isEmpty)
        #expect(try await orchestrator.scheduler.runs(of: "consumer").isEmpty, "no consumer run from a failed task")
    }

    @Test("a successful task's events, its consumer run and its success are stored by the same commit")
    func successCommitsEventsAndStateTogether() async throws {
        let orchestrator = try await orchestrator()
        let (run, events) = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("producer")
            let run = try #require(
                try await orchestrator.scheduler.waitForFinishedRuns(of: "producer", count: 1).first)
            _ = try await orchestrator.scheduler.waitForFinishedRuns(of: "consumer", count: 1)
            return (run, try await orchestrator.scheduler.assetEvents(for: first.key))
        }
        let task = try #require(run.taskInstances.first)
        #expect(task.state == .success && task.returnValue == .string("done"))
        let event = try #require(events.first)
        #expect(events.count == 1)
        #expect(event.source == .task(dagId: "producer", runId: run.runId, taskId: "publish"))
        // One commit: the task's end, its events and (it is the run's last task) the run's end carry one moment.
        #expect(task.endedAt == event.timestamp)
        #expect(run.endedAt == task.endedAt, "the last task's success ended the run in the same commit")
        let consumer = try #require(try await orchestrator.scheduler.runs(of: "consumer").first)
        let consumerStarted = try #require(consumer.startedAt)
        let producerEnded = try #require(run.endedAt)
        #expect(producerEnded <= consumerStarted, "the consumer run cannot start, let alone end, before its producer")
        #expect(try await orchestrator.scheduler.assetEvents(for: second.key).count == 1)
        #expect(try await orchestrator.scheduler.runs(of: "consumer").count == 1)
    }

    struct Boom: Error {}

    @Test(
        "a last task that fails or is skipped ends its run in the same commit: no run stays running with every task ended",
        arguments: [TaskState.failed, .skipped])
    func failedOrSkippedLastTaskEndsTheRunInItsCommit(_ end: TaskState) async throws {
        let orchestrator = Orchestrator(database: try TemporaryDatabase.make("task-completion-end"))
        try await orchestrator.register(dags: [
            try DAG(
                "ends",
                tasks: [
                    TaskDefinition("first") { _ in .none },
                    TaskDefinition("last", upstream: ["first"]) { _ in
                        if end == .skipped { throw TaskSkipped("nothing to do") }
                        throw Boom()
                    },
                ])
        ])
        let run = try await orchestrator.withServices {
            try await orchestrator.scheduler.triggerRun("ends")
            return try #require(try await orchestrator.scheduler.waitForFinishedRuns(of: "ends", count: 1).first)
        }
        #expect(run.state == (end == .failed ? .failed : .success))
        let last = try #require(run.taskInstances.first { $0.taskId == "last" })
        #expect(last.state == end)
        // One commit: the task's end and the run's end carry one moment (two commits read the clock twice).
        #expect(run.endedAt == last.endedAt, "the last task's end ended the run in the same commit")
    }
}
