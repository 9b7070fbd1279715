import Eventide
import EventideTesting
import Foundation
import Testing

@Suite("Sensor modes on bounded worker slots: what each mode costs", .timeLimit(.minutes(3)))
struct SensorModeCostTests {
    /// 20 sensors on 4 slots, then another DAG's task: poke mode starves it until the sensors finish;
    /// reschedule and deferrable leave the slots free while they wait.
    @Test(
        "20 sensors on 4 slots: poke starves another DAG's task, reschedule and deferrable do not",
        arguments: SensorMode.allCases)
    func twentySensorsOnFourSlots(mode: SensorMode) async throws {
        let flag = Flag()
        let sensor = ControlledSensor(
            isDone: { _ in .init(isDone: flag.isSet) },
            deferTo: { context in TimerTrigger(every: .seconds(10), count: 1, clock: context.clock) })
        let settings = SensorSettings(mode: mode, pokeInterval: .seconds(10), timeout: .seconds(3600))
        let sensors = try DAG("sensors", tasks: (1...20).map { .sensor("sensor_\($0)", sensor, settings: settings) })
        let report = try DAG("report", tasks: [TaskDefinition("publish") { _ in .none }])
        let h = try await SensorHarness([sensors, report], slots: 4, perRun: 20)
        let (reportRun, sensorRun) = try await h.orchestrator.withServices {
            try await h.scheduler.triggerRun("sensors")
            // poke: 4 sensors sleep holding the slots; reschedule: 20 wait; deferrable: 20 timers and 20 timeouts.
            try await h.clock.waitForSleepers([.poke: 4, .reschedule: 20, .deferrable: 40][mode] ?? 0)
            let ref = try await h.scheduler.triggerRun("report")
            if mode == .poke {
                try await h.waitForState(ref, "publish", .queued)
                #expect(h.slots.snapshot().inUse == 4)
                #expect(h.slots.snapshot().waiting == 17, "16 sensors and the report wait for a slot")
            } else {
                #expect(try await h.finished("report").state == .success, "finished while 20 sensors wait")
                #expect(h.slots.snapshot().inUse == 0)
            }
            flag.set()
            await h.clock.advance(by: .seconds(10))
            return (try await h.finished("report"), try await h.finished("sensors"))
        }
        let slots = h.slots.snapshot()
        #expect(sensorRun.state == .success && reportRun.state == .success)
        #expect(slots.peakInUse == 4)
        let queued = reportRun.queuedAt
        let started = try #require(reportRun.task("publish")?.startedAt)
        switch mode {
        case .poke:
            #expect(sensor.stamps.all.count == 24, "4 sensors poked twice, 16 once when their turn came")
            #expect(slots.acquisitionsByOwner["sensors"] == 20)
            #expect(started.timeIntervalSince(queued) == 10, "the report waited for the sensors' next poke")
        case .reschedule, .deferrable:
            #expect(sensor.stamps.all.count == (mode == .reschedule ? 40 : 20))
            #expect(slots.acquisitionsByOwner["sensors"] == 40, "each sensor woke twice: first poke, then done")
            #expect(started.timeIntervalSince(queued) == 0)
        }
    }
}
