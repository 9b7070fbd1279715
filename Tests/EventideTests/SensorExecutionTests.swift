import Eventide
import EventideTesting
import Foundation
import Testing

/// A sensor whose condition a test controls: pokes are stamped; deferrable through the given trigger.
struct ControlledSensor: Sensor {
    let stamps = Stamps()
    var isDone: @Sendable (SensorContext) throws -> PokeReturnValue = { _ in false }
    var deferTo: (@Sendable (SensorContext) -> any Trigger)?

    func poke(_ context: SensorContext) async throws -> PokeReturnValue {
        stamps.add(context.clock)
        return try isDone(context)
    }

    func trigger(_ context: SensorContext) async throws -> (any Trigger)? { deferTo?(context) }
}

@Suite("Sensors in the executor: poke, reschedule, deferrable, timeouts, soft_fail", .timeLimit(.minutes(3)))
struct SensorExecutionTests {
    func echo(_ upstream: String) -> TaskDefinition {
        TaskDefinition("load", upstream: [upstream]) { context in
            TaskOutput(value: context.upstreamValues[upstream] ?? .null)
        }
    }

    @Test(
        "poke mode sleeps on the clock between pokes holding its slot; the done poke's xcom_value is the return value")
    func pokeMode() async throws {
        let sensor = ControlledSensor(isDone: { $0.pokeNumber == 3 ? .done(["file": "a.csv"]) : .notDone })
        let settings = SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(100))
        let h = try await SensorHarness([
            try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings), echo("sense")])
        ])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await h.clock.waitForSleepers()
            #expect(h.slots.snapshot().inUse == 1, "poke mode keeps its worker slot while it sleeps")
            #expect(try await h.state(ref, "sense") == .running)
            try await h.step(.seconds(10))
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("wait")
        }
        #expect(sensor.stamps.all == [0, 10, 20])
        #expect(run.state == .success)
        #expect(run.task("sense")?.returnValue == ["file": "a.csv"])
        #expect(run.task("load")?.returnValue == ["file": "a.csv"], "downstream reads the sensor's return value")
        #expect(h.slots.snapshot().acquisitionsByOwner["wait"] == 2, "one slot per task: the sensor never let go")
    }

    @Test("a timeout fails the sensor at its deadline without retries, and downstream is upstream_failed")
    func timeoutFails() async throws {
        let sensor = ControlledSensor()
        let settings = SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(25))
        let dag = try DAG(
            "wait",
            tasks: [.sensor("sense", sensor, settings: settings, retry: RetryPolicy(retries: 2)), echo("sense")])
        let h = try await SensorHarness([dag])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("wait")
            try await h.clock.waitForSleepers()
            try await h.step(.seconds(10))
            try await h.step(.seconds(10))
            await h.clock.advance(by: .seconds(5))
            return try await h.finished("wait")
        }
        #expect(sensor.stamps.all == [0, 10, 20, 25], "the last wait is cut to the deadline")
        #expect(run.state == .failed)
        #expect(run.task("sense")?.state == .failed)
        #expect(run.task("sense")?.tryNumber == 1, "a sensor timeout is not retried")
        #expect(run.task("load")?.state == .upstreamFailed)
        #expect(run.task("sense")?.endedAt == h.clock.epoch.addingTimeInterval(25))
    }

    @Test("soft_fail turns a timeout into skipped, and downstream tasks are skipped too")
    func softFailSkips() async throws {
        let settings = SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(10), softFail: true)
        let h = try await SensorHarness([
            try DAG("wait", tasks: [.sensor("sense", ControlledSensor(), settings: settings), echo("sense")])
        ])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("wait")
            try await h.clock.waitForSleepers()
            await h.clock.advance(by: .seconds(10))
            return try await h.finished("wait")
        }
        #expect(run.task("sense")?.state == .skipped)
        #expect(run.task("load")?.state == .skipped)
        #expect(run.state == .success)
    }

    @Test("soft_fail does not convert other errors: they fail the task after its retries")
    func softFailKeepsOtherErrors() async throws {
        let sensor = ControlledSensor(isDone: { _ in throw CocoaError(.fileReadNoPermission) })
        let settings = SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(100), softFail: true)
        let retry = RetryPolicy(retries: 1, delay: .seconds(5))
        let dag = try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings, retry: retry), echo("sense")])
        let h = try await SensorHarness([dag])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await h.clock.waitForSleepers()
            #expect(try await h.state(ref, "sense") == .upForRetry)
            #expect(h.slots.snapshot().inUse == 0, "waiting to retry holds no slot")
            await h.clock.advance(by: .seconds(5))
            return try await h.finished("wait")
        }
        #expect(run.task("sense")?.state == .failed)
        #expect(run.task("sense")?.tryNumber == 2)
        #expect(run.task("load")?.state == .upstreamFailed)
    }

    @Test("SensorFailed fails at once without retries; with soft_fail the task is skipped", arguments: [false, true])
    func explicitFailure(softFail: Bool) async throws {
        let sensor = ControlledSensor(isDone: { _ in throw SensorFailed("the upstream run failed") })
        let settings = SensorSettings(pokeInterval: .seconds(10), timeout: .seconds(100), softFail: softFail)
        let dag = try DAG(
            "wait",
            tasks: [.sensor("sense", sensor, settings: settings, retry: RetryPolicy(retries: 3)), echo("sense")])
        let h = try await SensorHarness([dag])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("wait")
            return try await h.finished("wait")
        }
        #expect(sensor.stamps.all == [0])
        #expect(run.task("sense")?.state == (softFail ? .skipped : .failed))
        #expect(run.task("sense")?.tryNumber == 1)
        #expect(run.task("load")?.state == (softFail ? .skipped : .upstreamFailed))
    }

    @Test("exponential_backoff doubles the wait between pokes up to max_wait")
    func backoffInExecutor() async throws {
        let sensor = ControlledSensor(isDone: { .init(isDone: $0.pokeNumber == 6) })
        let settings = SensorSettings(
            pokeInterval: .seconds(10), timeout: .seconds(1000), exponentialBackoff: true, maxWait: .seconds(60))
        let h = try await SensorHarness([try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings)])])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("wait")
            try await h.clock.waitForSleepers()
            for wait in [10, 20, 40, 60] { try await h.step(.seconds(wait)) }
            await h.clock.advance(by: .seconds(60))
            return try await h.finished("wait")
        }
        #expect(sensor.stamps.all == [0, 10, 30, 70, 130, 190])
        #expect(run.state == .success)
    }

    @Test("reschedule mode frees the slot between pokes (up_for_reschedule); the timeout counts from the first poke")
    func rescheduleMode() async throws {
        let sensor = ControlledSensor()
        let settings = SensorSettings(mode: .reschedule, pokeInterval: .seconds(30), timeout: .seconds(70))
        let other = try DAG("other", tasks: [TaskDefinition("work") { _ in TaskOutput(value: 1) }])
        let h = try await SensorHarness(
            [try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings)]), other], slots: 1)
        let (run, ref) = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await h.clock.waitForSleepers()
            try await h.waitForState(ref, "sense", .upForReschedule)
            #expect(h.slots.snapshot().inUse == 0)
            try await h.scheduler.triggerRun("other")
            #expect(try await h.finished("other").state == .success, "the only slot is free while the sensor waits")
            try await h.step(.seconds(30))
            try await h.step(.seconds(30))
            await h.clock.advance(by: .seconds(10))
            return (try await h.finished("wait"), ref)
        }
        #expect(sensor.stamps.all == [0, 30, 60, 70])
        #expect(run.task("sense")?.state == .failed)
        let progress = try #require(
            try await SensorProgress.read(ref, taskId: "sense", tryNumber: 1, in: h.orchestrator.database))
        #expect(progress.firstPokeAt == h.clock.epoch && progress.pokes == 4)
        #expect(h.slots.snapshot().acquisitionsByOwner["wait"] == 4, "a slot for each poke")
    }

    @Test("a rescheduled sensor resumed by a new executor keeps its first poke: the timeout does not restart")
    func timeoutSurvivesRestart() async throws {
        let testClock = TestClock()
        let clock = EventideClock(testClock)
        let database = try TemporaryDatabase.make("sensor-restart")
        let sensor = ControlledSensor()
        let settings = SensorSettings(mode: .reschedule, pokeInterval: .seconds(30), timeout: .seconds(70))
        let dag = try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings)])
        let first = Orchestrator(database: database, clock: clock)
        try await first.register(dags: [dag])
        try await first.withServices {
            try await first.scheduler.triggerRun("wait")
            try await testClock.waitForSleepers()
            await testClock.advance(by: .seconds(30))
            try await testClock.waitForSleepers()
        }
        #expect(sensor.stamps.all == [0, 30])
        let second = Orchestrator(database: database, clock: clock)
        try await second.register(dags: [dag])
        let run = try await second.withServices {
            try await testClock.waitForSleepers()
            await testClock.advance(by: .seconds(30))
            try await testClock.waitForSleepers()
            await testClock.advance(by: .seconds(10))
            return try #require(try await second.scheduler.waitForFinishedRuns(of: "wait", count: 1).first)
        }
        #expect(sensor.stamps.all == [0, 30, 30, 60, 70], "timed out 70 s after the first poke, not after the restart")
        #expect(run.task("sense")?.state == .failed)
    }

    @Test("deferrable mode holds no slot while deferred; the trigger's payload is the return value downstream reads")
    func deferrableMode() async throws {
        let trigger = ManualTrigger()
        let sensor = ControlledSensor(deferTo: { _ in trigger })
        let settings = SensorSettings(mode: .deferrable, timeout: .seconds(60))
        let h = try await SensorHarness([
            try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings), echo("sense")])
        ])
        let run = try await h.orchestrator.withServices {
            let ref = try await h.scheduler.triggerRun("wait")
            try await trigger.waitUntilOpened()
            try await h.waitForState(ref, "sense", .deferred)
            #expect(h.slots.snapshot().inUse == 0)
            #expect(await h.orchestrator.triggerer.deferredTriggers == 1)
            trigger.fire(["key": "orders/1.csv"], messageId: "1")
            return try await h.finished("wait")
        }
        #expect(sensor.stamps.all == [0], "one poke, then the trigger")
        #expect(run.task("sense")?.returnValue == ["key": "orders/1.csv"])
        #expect(run.task("load")?.returnValue == ["key": "orders/1.csv"])
        #expect(h.slots.snapshot().acquisitionsByOwner["wait"] == 3, "sensor start, resume, load")
    }

    @Test(
        "a deferred sensor whose trigger times out follows the timeout rules (soft_fail skips)",
        arguments: [false, true])
    func deferredTimeout(softFail: Bool) async throws {
        let trigger = ManualTrigger()
        let settings = SensorSettings(mode: .deferrable, timeout: .seconds(60), softFail: softFail)
        let sensor = ControlledSensor(deferTo: { _ in trigger })
        let h = try await SensorHarness([
            try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings), echo("sense")])
        ])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("wait")
            try await trigger.waitUntilOpened()
            try await h.clock.waitForSleepers()
            await h.clock.advance(by: .seconds(60))
            return try await h.finished("wait")
        }
        #expect(run.task("sense")?.state == (softFail ? .skipped : .failed))
        #expect(run.task("sense")?.tryNumber == 1)
        #expect(run.task("load")?.state == (softFail ? .skipped : .upstreamFailed))
    }

    @Test("a deferred sensor whose trigger crashes fails, even with soft_fail")
    func triggerCrash() async throws {
        let trigger = ManualTrigger()
        let settings = SensorSettings(mode: .deferrable, timeout: .seconds(60), softFail: true)
        let sensor = ControlledSensor(deferTo: { _ in trigger })
        let h = try await SensorHarness([try DAG("wait", tasks: [.sensor("sense", sensor, settings: settings)])])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("wait")
            try await trigger.waitUntilOpened()
            trigger.fail(CocoaError(.fileReadCorruptFile))
            return try await h.finished("wait")
        }
        #expect(run.task("sense")?.state == .failed)
    }

    @Test("deferrable mode without a trigger is refused when the sensor would defer")
    func notDeferrable() async throws {
        let settings = SensorSettings(mode: .deferrable, timeout: .seconds(60))
        let h = try await SensorHarness([
            try DAG("wait", tasks: [.sensor("sense", ControlledSensor(), settings: settings)])
        ])
        let run = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("wait")
            return try await h.finished("wait")
        }
        #expect(run.task("sense")?.state == .failed)
    }
}
