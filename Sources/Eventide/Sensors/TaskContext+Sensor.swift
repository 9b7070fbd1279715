import Foundation

/// What the sensor runner needs from a task's context: its stored progress and the executor's reschedule hook.
extension TaskContext {
    /// The stored progress of this try, or a new one whose first poke is now.
    func sensorProgress(settings: SensorSettings) async throws -> SensorProgress {
        let stored = try await SensorProgress.read(runRef, taskId: taskId, tryNumber: tryNumber, in: scheduler.database)
        return stored ?? SensorProgress(firstPokeAt: clock.date)
    }

    func recordSensorProgress(_ progress: SensorProgress) async throws {
        var progress = progress
        progress.lastPokeAt = clock.date
        try await progress.write(runRef, taskId: taskId, tryNumber: tryNumber, in: scheduler.database)
    }

    /// Waits `wait` as a rescheduled sensor: the executor frees the worker slot and marks the task
    /// `up_for_reschedule` meanwhile (outside an executor, it just sleeps on the clock).
    func reschedule(after wait: Duration) async throws {
        if let rescheduling { try await rescheduling(wait) } else { try await clock.sleep(for: wait) }
    }
}
