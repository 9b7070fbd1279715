import Foundation
import Logging
import ServiceLifecycle

/// Runs DAG runs as the scheduler creates them.
///
/// Tasks of a run execute in dependency order: up to `ExecutorSettings.maxActiveTasksPerRun` tasks whose
/// upstream tasks have all finished run at once (1 by default: one at a time, in topological order, so runs are
/// reproducible). Every running task instance holds one of the executor's `WorkerSlots` (waiting in line for
/// one, `queued`, when all are held); it gives the slot back while deferred, rescheduled or waiting to retry.
/// A task that throws is retried after its policy's delay and ends `failed` when its retries are used up, which
/// marks its downstream tasks `upstream_failed`; a task that throws `TaskSkipped` ends `skipped` and so do its
/// downstream tasks. Timeouts and `SensorFailed` are not retried. When a task succeeds, one asset event per
/// outlet is recorded in the commit that marks it successful (`Scheduler.completeTask`), which may create runs of
/// consumer DAGs. Runs of different DAGs execute concurrently.
/// Retry delays are waited on the scheduler's clock.
public actor Executor: Service {
    private let scheduler: Scheduler
    private let triggerer: Triggerer
    private let logger: Logger
    private var started: Set<DagRunRef> = []
    public nonisolated let settings: ExecutorSettings
    /// The worker slots every running task instance holds.
    public nonisolated let slots: WorkerSlots

    public init(
        scheduler: Scheduler, triggerer: Triggerer, settings: ExecutorSettings = ExecutorSettings(),
        logger: Logger = Logger(label: "eventide.executor")
    ) {
        self.scheduler = scheduler
        self.triggerer = triggerer
        self.settings = settings
        self.slots = WorkerSlots(capacity: settings.workerSlots, clock: scheduler.clock)
        self.logger = logger
    }

    public func run() async throws {
        let created = scheduler.createdRuns()  // subscribe first, then pick up runs queued before we started
        let backlog = try await scheduler.queuedRuns()
        // On graceful shutdown no new run starts; runs in progress finish (the group waits for them).
        await withDiscardingTaskGroup { group in
            for ref in backlog where self.claim(ref) { group.addTask { await self.executeClaimed(ref) } }
            for await ref in created.cancelOnGracefulShutdown() where self.claim(ref) {
                group.addTask { await self.executeClaimed(ref) }
            }
        }
    }

    /// Claims a run so that a second notification of it does not start it twice while it runs.
    private func claim(_ ref: DagRunRef) -> Bool { started.insert(ref).inserted }

    private func executeClaimed(_ ref: DagRunRef) async {
        await execute(ref)
        started.remove(ref)  // finished runs are ignored by `execute`; no need to remember them
    }

    /// Runs every task of the run and records the run's final state.
    public func execute(_ ref: DagRunRef) async {
        // The run's duration is measured from its start (as stored, for a resumed run) to its final state.
        var started: Date?
        do {
            let dag = try await scheduler.dag(ref.dagId)
            // A run left `running` by a stopped executor is resumed: its tasks run again (at-least-once).
            guard let run = try await scheduler.run(ref), !run.state.isFinished else { return }
            started = run.startedAt ?? scheduler.clock.date
            let (states, closedByLastTask) = try await runTasks(of: dag, run: run)
            let failed = Self.runFailed(states.values)
            if !closedByLastTask { try await scheduler.markRunFinished(ref, state: failed ? .failed : .success) }
            recordDuration(of: ref, state: failed ? .failed : .success, since: started)
        } catch is CancellationError {
            // Shutdown: the run stays as it is and is resumed by the next executor.
        } catch {
            logger.error("run \(ref) could not be executed: \(error)")
            try? await scheduler.markRunFinished(ref, state: .failed)
            recordDuration(of: ref, state: .failed, since: started)
        }
    }

    /// Runs the tasks whose upstream tasks have finished, up to `maxActiveTasksPerRun` at once, in topological
    /// order; a task with a failed or skipped upstream task inherits `upstream_failed` or `skipped`.
    ///
    /// A task started when every other task of the run has finished closes the run: its success, its outlet events
    /// and the run's end are one commit (`Scheduler.completeTask(closingRun:)`), so a consumer run its outlet
    /// creates cannot end before the run that made it; so are its failure or skip and the run's end
    /// (`Scheduler.setTaskState(closingRun:)`), so a run is never left `running` with every task ended.
    /// `closedByLastTask` says that happened.
    private func runTasks(of dag: DAG, run: DagRun) async throws -> (
        states: [String: TaskState], closedByLastTask: Bool
    ) {
        let order = try dag.topologicalOrder()
        let limit = settings.maxActiveTasksPerRun
        var states: [String: TaskState] = [:]
        var values: [String: JSONValue] = [:]
        var running: Set<String> = []
        var closingTask: String?  // started when every other task had finished
        return try await withThrowingTaskGroup(of: (String, TaskState, JSONValue?).self) { group in
            while true {
                var progressed = true
                while progressed {  // inherited states may make further tasks ready
                    progressed = false
                    for taskId in order where states[taskId] == nil && !running.contains(taskId) {
                        guard let task = dag.task(taskId) else { continue }
                        let upstream = task.upstream.compactMap { states[$0] }
                        guard upstream.count == task.upstream.count else { continue }  // not ready
                        if let inherited = Self.inheritedState(from: upstream) {
                            states[taskId] = inherited
                            try await scheduler.setTaskState(run.ref, taskId: taskId, state: inherited, tryNumber: 0)
                            progressed = true
                        } else if running.count < limit {
                            let last = running.isEmpty && order.allSatisfy { $0 == taskId || states[$0] != nil }
                            let closing: DagRunState? =
                                last ? (Self.runFailed(states.values) ? .failed : .success) : nil
                            if last { closingTask = taskId }
                            running.insert(taskId)
                            let upstreamValues = values
                            group.addTask {
                                try await self.runTask(
                                    task, of: run, upstreamValues: upstreamValues, closingRunAs: closing)
                            }
                        }
                    }
                }
                guard let (taskId, state, value) = try await group.next() else {
                    // The last task, whatever its end, ended the run in its own commit.
                    return (states, closingTask.map { states[$0]?.isFinished == true } ?? false)
                }
                running.remove(taskId)
                states[taskId] = state
                values[taskId] = value
            }
        }
    }

    private static func runFailed(_ states: some Sequence<TaskState>) -> Bool {
        states.contains { $0 == .failed || $0 == .upstreamFailed }
    }

    private static func inheritedState(from upstream: [TaskState]) -> TaskState? {
        if upstream.contains(where: { $0 == .failed || $0 == .upstreamFailed }) { return .upstreamFailed }
        if upstream.contains(.skipped) { return .skipped }
        return nil
    }

    private func recordDuration(of ref: DagRunRef, state: DagRunState, since started: Date?) {
        guard let started else { return }
        let duration = Duration.seconds(scheduler.clock.date.timeIntervalSince(started))
        scheduler.metrics.runFinished(dagId: ref.dagId, state: state, duration: duration)
    }

    /// Runs one task to its final state. `closingRunAs`: the run's final state if this task succeeds, when it is
    /// the run's last task: its end (a success, a skip: that state; a failure: `failed`) ends the run in the same
    /// commit.
    private func runTask(
        _ task: TaskDefinition, of run: DagRun,
        upstreamValues: [String: JSONValue], closingRunAs closing: DagRunState?
    ) async throws -> (String, TaskState, JSONValue?) {
        let ref = run.ref
        let slot = TaskSlot(slots, owner: ref.dagId)
        defer { slot.giveBack() }
        var tryNumber = 0
        while true {
            tryNumber += 1
            let attempt = tryNumber
            try await slot.take { [scheduler] in
                try await scheduler.setTaskState(ref, taskId: task.taskId, state: .queued, tryNumber: attempt)
            }
            try await scheduler.setTaskState(ref, taskId: task.taskId, state: .running, tryNumber: tryNumber)
            let context = TaskContext(
                dagId: ref.dagId, runId: ref.runId, taskId: task.taskId, tryNumber: tryNumber, conf: run.conf,
                triggeringAssetEvents: run.triggeringAssetEvents, upstreamValues: upstreamValues,
                clock: scheduler.clock, scheduler: scheduler, triggerer: triggerer,
                deferred: { [scheduler] isDeferred in
                    // A deferred task holds no worker slot; it takes one again to resume.
                    if isDeferred { slot.giveBack() } else { try? await slot.take() }
                    try? await scheduler.setTaskState(
                        ref, taskId: task.taskId,
                        state: isDeferred ? .deferred : .running, tryNumber: attempt)
                }, logicalDate: run.logicalDate,
                rescheduling: Self.rescheduling(
                    slot, scheduler: scheduler, ref: ref, taskId: task.taskId, tryNumber: attempt))
            do {
                let output = try await task.body(context)
                slot.giveBack()  // the body is done; a run its commit ends holds no slot when it is seen ended
                // Its events and its success in one commit: a task stopped between them would emit them again.
                try await scheduler.completeTask(
                    ref, taskId: task.taskId, tryNumber: tryNumber,
                    returnValue: output.value == .null ? nil : output.value,
                    outlets: task.outlets.map { ($0.key, output.outletExtra[$0.key] ?? [:]) },
                    aliasEvents: output.aliasEvents, closingRun: closing)
                return (task.taskId, .success, output.value)
            } catch let skip as TaskSkipped {
                // A skip does not fail the run: it ends as it would have on a success.
                try await scheduler.setTaskState(
                    ref, taskId: task.taskId, state: .skipped, tryNumber: tryNumber,
                    note: skip.reason, closingRun: closing)
                return (task.taskId, .skipped, nil)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                guard !Self.isFinal(error), tryNumber <= task.retry.retries else {
                    try await scheduler.setTaskState(
                        ref, taskId: task.taskId, state: .failed, tryNumber: tryNumber,
                        note: "\(error)", closingRun: closing.map { _ in .failed })
                    return (task.taskId, .failed, nil)
                }
                try await scheduler.setTaskState(
                    ref, taskId: task.taskId, state: .upForRetry, tryNumber: tryNumber,
                    note: "\(error)")
                slot.giveBack()  // waiting to retry holds no slot
                var random = SystemRandomNumberGenerator()
                try await scheduler.clock.sleep(for: task.retry.jitteredDelay(beforeTry: tryNumber + 1, using: &random))
            }
        }
    }

    /// Errors that fail a task at once, without its retries: timeouts (a trigger's, a sensor's), an explicit
    /// `SensorFailed` (Airflow does not retry `AirflowSensorTimeout` or `AirflowFailException`) and a sensor's
    /// configuration errors, which a retry cannot fix.
    static func isFinal(_ error: any Error) -> Bool {
        switch error {
        case TriggerError.timedOut, SensorError.timedOut, is SensorFailed: true
        case SensorError.noLogicalDate, SensorError.notDeferrable, SensorError.invalidArguments: true
        default: false
        }
    }
}
