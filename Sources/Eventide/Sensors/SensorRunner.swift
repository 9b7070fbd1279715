import Foundation

/// Runs one try of a sensor task: pokes, waits as the mode says, and ends done, timed out or failed.
///
/// poke: sleeps on the clock between pokes, holding the worker slot. reschedule: the executor's reschedule
/// hook gives the slot back and marks the task `up_for_reschedule` for the wait. deferrable: after a poke that
/// is not done the task defers to the sensor's trigger (no slot while deferred) with the time left as the
/// trigger's timeout. A timeout, or a `SensorFailed`, becomes `TaskSkipped` with `softFail`.
struct SensorRunner<S: Sensor> {
    let sensor: S
    let settings: SensorSettings
    let context: TaskContext

    func run() async throws -> TaskOutput {
        do {
            return try await pokeUntilDone()
        } catch let error as SensorError where settings.softFail {
            guard case .timedOut = error else { throw error }
            throw TaskSkipped("soft_fail: \(error)")
        } catch let error as SensorFailed where settings.softFail {
            throw TaskSkipped("soft_fail: \(error)")
        }
    }

    private func pokeUntilDone() async throws -> TaskOutput {
        let clock = context.clock
        var progress = try await context.sensorProgress(settings: settings)
        while true {
            progress.pokes += 1
            try await context.recordSensorProgress(progress)
            let poke = SensorContext(
                task: context, settings: settings, pokeNumber: progress.pokes, firstPokeAt: progress.firstPokeAt)
            var result = try await sensor.poke(poke)
            if !result.isDone, settings.mode == .deferrable, poke.remaining > .zero {
                guard let trigger = try await sensor.trigger(poke) else {
                    throw SensorError.notDeferrable(taskId: context.taskId)
                }
                let event: TriggerEvent
                do {
                    event = try await context.deferUntil(trigger, timeout: poke.remaining)
                } catch TriggerError.timedOut {
                    throw timedOut(progress)
                }
                result = try await sensor.complete(event, context: poke)
                if !result.isDone { continue }
            }
            if result.isDone { return TaskOutput(value: result.xcomValue ?? .null) }
            let remaining = poke.remaining
            guard remaining > .zero else { throw timedOut(progress) }
            let wait = min(settings.interval(afterPoke: progress.pokes), remaining)
            if settings.mode == .reschedule {
                try await context.reschedule(after: wait)
            } else {
                try await clock.sleep(for: wait)
            }
        }
    }

    private func timedOut(_ progress: SensorProgress) -> SensorError {
        .timedOut(taskId: context.taskId, after: settings.timeout, pokes: progress.pokes)
    }
}
