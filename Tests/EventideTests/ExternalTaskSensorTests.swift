import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("ExternalTaskSensor: aligned logical dates, allowed/failed/skipped states, deferrable", .timeLimit(.minutes(3)))
struct ExternalTaskSensorTests {
    static let day = Date(timeIntervalSince1970: 1_800_000_000)

    /// The other DAG: `load` (or, with `fail`, a failing one) and a task group `checks` of two tasks.
    func upstream(fail: Bool = false) throws -> DAG {
        try DAG(
            "load_orders",
            tasks: [
                TaskDefinition("load") { _ in
                    if fail { throw CocoaError(.fileNoSuchFile) }
                    return .none
                },
                TaskDefinition("checks.rows", upstream: ["load"]) { _ in .none },
                TaskDefinition("checks.nulls", upstream: ["load"]) { _ in .none },
            ])
    }

    func waiting(_ sensor: ExternalTaskSensor, mode: SensorMode = .poke, timeout: Int64 = 100) throws -> DAG {
        try DAG(
            "report",
            tasks: [
                .sensor(
                    "wait_for_load", sensor,
                    settings: SensorSettings(mode: mode, pokeInterval: .seconds(10), timeout: .seconds(timeout)))
            ])
    }

    @Test("contradicting arguments are refused: execution_delta with execution_date_fn, overlapping states")
    func refused() {
        #expect(throws: SensorError.self) {
            try ExternalTaskSensor(externalDagId: "a", executionDelta: .seconds(60), executionDateFn: { [$0] })
        }
        #expect(throws: SensorError.self) {
            try ExternalTaskSensor(externalDagId: "a", allowedStates: [.success], failedStates: [.success, .failed])
        }
        #expect(throws: SensorError.self) {
            try ExternalTaskSensor(externalDagId: "a", externalTaskIds: ["x"], externalTaskGroupId: "g")
        }
    }

    @Test("dates: the same logical date, minus execution_delta, or what execution_date_fn returns")
    func dates() throws {
        #expect(try ExternalTaskSensor(externalDagId: "a").dates(for: Self.day) == [Self.day])
        #expect(
            try ExternalTaskSensor(externalDagId: "a", executionDelta: .seconds(3600)).dates(for: Self.day)
                == [Self.day.addingTimeInterval(-3600)])
        let fn = try ExternalTaskSensor(externalDagId: "a", executionDateFn: { [$0, $0.addingTimeInterval(-86_400)] })
        #expect(fn.dates(for: Self.day) == [Self.day, Self.day.addingTimeInterval(-86_400)])
    }

    @Test(
        "waits until the other DAG's run at the same logical date has succeeded",
        arguments: [SensorMode.poke, .deferrable])
    func sameLogicalDate(mode: SensorMode) async throws {
        let sensor = try ExternalTaskSensor(externalDagId: "load_orders", externalTaskIds: ["load"])
        let h = try await SensorHarness([try upstream(), try waiting(sensor, mode: mode)])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("report", logicalDate: Self.day)
            try await h.clock.waitForSleepers(mode == .deferrable ? 2 : 1)  // deferrable: trigger interval + timeout
            if mode == .deferrable { #expect(try await h.state(ref, "wait_for_load") == .deferred) }
            // Not aligned with the sensor's date:
            try await h.scheduler.triggerRun("load_orders", logicalDate: Self.day.addingTimeInterval(-60))
            _ = try await h.finished("load_orders")
            try await h.step(.seconds(10), sleepers: mode == .deferrable ? 2 : 1)
            #expect(try await h.state(ref, "wait_for_load") != .success, "a run at another date does not count")
            try await h.scheduler.triggerRun("load_orders", logicalDate: Self.day)
            _ = try await h.finished("load_orders", count: 2)
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("report")
        }
        #expect(run.task("wait_for_load")?.state == .success)
    }

    @Test("execution_delta and execution_date_fn align to earlier runs; a task group needs all its tasks")
    func alignedDates() async throws {
        let hour = Self.day.addingTimeInterval(-3600)
        let delta = try ExternalTaskSensor(
            externalDagId: "load_orders", externalTaskGroupId: "checks", executionDelta: .seconds(3600))
        let fn = try ExternalTaskSensor(
            externalDagId: "load_orders",
            executionDateFn: { [$0.addingTimeInterval(-3600), $0.addingTimeInterval(-7200)] })
        let dags = [
            try upstream(),
            try DAG(
                "by_delta",
                tasks: [
                    .sensor("wait", delta, settings: SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(100)))
                ]),
            try DAG(
                "by_fn",
                tasks: [
                    .sensor(
                        "wait", fn,
                        settings: SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(15), softFail: true))
                ]),
        ]
        let h = try await SensorHarness(dags)
        let (byDelta, byFn) = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("load_orders", logicalDate: hour)
            _ = try await h.finished("load_orders")
            try await h.scheduler.triggerRun("by_delta", logicalDate: Self.day)
            try await h.scheduler.triggerRun("by_fn", logicalDate: Self.day)
            let byDelta = try await h.finished("by_delta")
            try await h.clock.waitForSleepers()
            try await h.step(.seconds(10))
            await h.clock.advance(by: .seconds(5))
            return (byDelta, try await h.finished("by_fn"))
        }
        #expect(byDelta.task("wait")?.state == .success)
        #expect(byDelta.task("wait")?.returnValue == ["dates": [.string(EventTime.format(hour))]])
        #expect(byFn.task("wait")?.state == .skipped, "the run two hours earlier never came: timed out, soft-failed")
    }

    @Test("a failed upstream fails the sensor at once with failed_states; without them it waits out the timeout")
    func failedUpstream() async throws {
        let failFast = try ExternalTaskSensor(
            externalDagId: "load_orders", externalTaskIds: ["load"], failedStates: [.failed])
        let waitOut = try ExternalTaskSensor(externalDagId: "load_orders", externalTaskIds: ["load"])
        let settings = SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(30))
        let dags = [
            try upstream(fail: true),
            try DAG("fail_fast", tasks: [.sensor("wait", failFast, settings: settings)]),
            try DAG("wait_out", tasks: [.sensor("wait", waitOut, settings: settings)]),
        ]
        let h = try await SensorHarness(dags)
        let (fast, slow) = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("load_orders", logicalDate: Self.day)
            _ = try await h.finished("load_orders")
            try await h.scheduler.triggerRun("fail_fast", logicalDate: Self.day)
            let fast = try await h.finished("fail_fast")
            try await h.scheduler.triggerRun("wait_out", logicalDate: Self.day)
            try await h.clock.waitForSleepers()
            try await h.step(.seconds(10))
            try await h.step(.seconds(10))
            await h.clock.advance(by: .seconds(10))
            return (fast, try await h.finished("wait_out"))
        }
        #expect(fast.task("wait")?.state == .failed)
        #expect(fast.task("wait")?.endedAt == h.clock.epoch, "at the first poke")
        #expect(slow.task("wait")?.state == .failed)
        #expect(slow.task("wait")?.endedAt == h.clock.epoch.addingTimeInterval(30), "after the whole timeout")
    }

    @Test("skipped_states skip the sensor (and its downstream) when the external run is skipped")
    func skippedUpstream() async throws {
        let sensor = try ExternalTaskSensor(
            externalDagId: "load_orders", externalTaskIds: ["checks.rows"], skippedStates: [.upstreamFailed])
        let h = try await SensorHarness([try upstream(fail: true), try waiting(sensor)])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("load_orders", logicalDate: Self.day)
            _ = try await h.finished("load_orders")
            try await h.scheduler.triggerRun("report", logicalDate: Self.day)
            return try await h.finished("report")
        }
        #expect(run.task("wait_for_load")?.state == .skipped)
    }

    @Test("a run without a logical date (asset-triggered, or manual without one) cannot be aligned: the sensor fails")
    func noLogicalDate() async throws {
        let sensor = try ExternalTaskSensor(externalDagId: "load_orders")
        let h = try await SensorHarness([try upstream(), try waiting(sensor)])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("report")
            return try await h.finished("report")
        }
        #expect(run.logicalDate == nil)
        #expect(run.task("wait_for_load")?.state == .failed)
        #expect(run.task("wait_for_load")?.tryNumber == 1)
    }
}
