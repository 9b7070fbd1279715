import Synchronization

/// The worker slot of one task instance while it runs: taken before each try, given back while the task is
/// deferred, waits to be rescheduled or waits to retry, and when it ends.
final class TaskSlot: Sendable {
    private let slots: WorkerSlots
    private let owner: String
    private let lease = Mutex<WorkerSlots.Lease?>(nil)

    init(_ slots: WorkerSlots, owner: String) {
        self.slots = slots
        self.owner = owner
    }

    /// Takes a slot (no-op if held); `onWait` runs first when none is free now (to mark the task `queued`).
    func take(onWait: () async throws -> Void = {}) async throws {
        guard lease.withLock({ $0 == nil }) else { return }
        var granted = slots.tryAcquire(for: owner)
        if granted == nil {
            try await onWait()
            granted = try await slots.acquire(for: owner)
        }
        lease.withLock { $0 = granted }
    }

    func giveBack() {
        if let held = lease.withLock({ lease in
            defer { lease = nil }; return lease
        }) {
            slots.release(held)
        }
    }
}

extension Executor {
    /// The reschedule hook of a sensor task: `up_for_reschedule` without a slot for `wait`, then a slot again.
    static func rescheduling(
        _ slot: TaskSlot, scheduler: Scheduler, ref: DagRunRef, taskId: String, tryNumber: Int
    ) -> @Sendable (Duration) async throws -> Void {
        { wait in
            try await scheduler.setTaskState(ref, taskId: taskId, state: .upForReschedule, tryNumber: tryNumber)
            slot.giveBack()
            try await scheduler.clock.sleep(for: wait)
            try await slot.take {
                try await scheduler.setTaskState(ref, taskId: taskId, state: .queued, tryNumber: tryNumber)
            }
            try await scheduler.setTaskState(ref, taskId: taskId, state: .running, tryNumber: tryNumber)
        }
    }
}
