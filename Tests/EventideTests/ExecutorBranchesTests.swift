import Eventide
import EventideTesting
import Foundation
import Testing

@Suite(
    "Executor: parallel branches of one run, bounded by the per-run limit and the worker slots", .timeLimit(.minutes(2))
)
struct ExecutorBranchesTests {
    /// extract → (left, right) → join; the branches sleep 10 s on the clock (or fail / skip as told).
    func diamond(
        left: @escaping @Sendable (TaskContext) async throws -> TaskOutput = { context in
            try await context.clock.sleep(for: .seconds(10))
            return TaskOutput(value: "left")
        }
    ) throws -> DAG {
        try DAG(
            "diamond",
            tasks: [
                TaskDefinition("extract") { _ in .none },
                TaskDefinition("left", upstream: ["extract"], body: left),
                TaskDefinition("right", upstream: ["extract"]) { context in
                    try await context.clock.sleep(for: .seconds(10))
                    return TaskOutput(value: "right")
                },
                TaskDefinition("join", upstream: ["left", "right"]) { context in
                    TaskOutput(
                        value: .array([
                            context.upstreamValues["left"] ?? .null, context.upstreamValues["right"] ?? .null,
                        ]))
                },
            ])
    }

    @Test("independent branches run at once up to the per-run limit, and the join waits for both")
    func branchesRunConcurrently() async throws {
        let h = try await SensorHarness([try diamond()], perRun: 2)
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("diamond")
            try await h.clock.waitForSleepers(2)  // both branches sleep at once
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("diamond")
        }
        #expect(run.state == .success)
        #expect(run.task("join")?.returnValue == ["left", "right"])
        #expect(run.endedAt == h.clock.epoch.addingTimeInterval(10), "10 s, not 20: the branches overlapped")
    }

    @Test("with a per-run limit of 1 (the default) the branches run one after the other in topological order")
    func oneAtATime() async throws {
        let h = try await SensorHarness([try diamond()])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("diamond")
            try await h.clock.waitForSleepers()
            #expect(try await h.state(ref, "left") == .running)
            #expect(try await h.state(ref, "right") == .scheduled)
            try await h.step(.seconds(10))
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("diamond")
        }
        #expect(run.endedAt == h.clock.epoch.addingTimeInterval(20))
        #expect(run.task("join")?.returnValue == ["left", "right"])
    }

    @Test("a failed branch marks the join upstream_failed while the other branch still succeeds")
    func failedBranch() async throws {
        let dag = try diamond(left: { _ in throw CocoaError(.fileNoSuchFile) })
        let h = try await SensorHarness([dag], perRun: 2)
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("diamond")
            try await h.clock.waitForSleepers()
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("diamond")
        }
        #expect(run.state == .failed)
        #expect(run.task("left")?.state == .failed)
        #expect(run.task("right")?.state == .success)
        #expect(run.task("join")?.state == .upstreamFailed)
    }

    @Test("a skipped branch skips the join; the run succeeds")
    func skippedBranch() async throws {
        let dag = try diamond(left: { _ in throw TaskSkipped("nothing to do") })
        let h = try await SensorHarness([dag], perRun: 2)
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("diamond")
            try await h.clock.waitForSleepers()
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("diamond")
        }
        #expect(run.state == .success)
        #expect(run.task("left")?.state == .skipped)
        #expect(run.task("join")?.state == .skipped)
    }

    @Test("parallel tasks still hold worker slots: 4 branches on 2 slots run two at a time")
    func branchesHoldSlots() async throws {
        let dag = try DAG(
            "fan",
            tasks: (1...4).map { index in
                TaskDefinition("branch_\(index)") { context in
                    try await context.clock.sleep(for: .seconds(10))
                    return .none
                }
            })
        let h = try await SensorHarness([dag], slots: 2, perRun: 4)
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("fan")
            try await h.clock.waitForSleepers(2)
            try await h.waitForState(ref, "branch_4", .queued)
            try await h.eventually("two branches waiting for a slot") { h.slots.snapshot().waiting == 2 }
            #expect(h.slots.snapshot().inUse == 2)
            try await h.step(.seconds(10), sleepers: 2)
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("fan")
        }
        #expect(run.state == .success)
        #expect(run.endedAt == h.clock.epoch.addingTimeInterval(20))
        let slots = h.slots.snapshot()
        #expect(slots.peakInUse == 2 && slots.acquisitions == 4 && slots.waits == 2)
    }
}
