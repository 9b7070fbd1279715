import Foundation
import Logging
import ServiceLifecycle

/// Runs DAG runs as the scheduler creates them.
///
/// Tasks of a run execute in dependency order (one at a time, in topological order, so runs are
/// reproducible); a task that throws is retried after its policy's delay and ends `failed` when its retries
/// are used up, which marks its downstream tasks `upstream_failed`; a task that throws `TaskSkipped` ends
/// `skipped` and so do its downstream tasks. When a task succeeds, one asset event per outlet is recorded,
/// which may create runs of consumer DAGs. Runs of different DAGs execute concurrently. Retry delays are
/// waited on the scheduler's clock.
public actor Executor: Service {
    private let scheduler: Scheduler
    private let triggerer: Triggerer
    private let logger: Logger
    private var started: Set<DagRunRef> = []

    public init(scheduler: Scheduler, triggerer: Triggerer, logger: Logger = Logger(label: "eventide.executor")) {
        self.scheduler = scheduler
        self.triggerer = triggerer
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
            var states: [String: TaskState] = [:]
            var values: [String: JSONValue] = [:]
            for taskId in try dag.topologicalOrder() {
                guard let task = dag.task(taskId) else { continue }
                let upstream = task.upstream.compactMap { states[$0] }
                let inherited: TaskState
                if upstream.contains(where: { $0 == .failed || $0 == .upstreamFailed }) {
                    inherited = .upstreamFailed
                } else if upstream.contains(.skipped) {
                    inherited = .skipped
                } else {
                    let (state, value) = try await runTask(task, of: run, upstreamValues: values)
                    states[taskId] = state
                    values[taskId] = value
                    continue
                }
                states[taskId] = inherited
                try await scheduler.setTaskState(ref, taskId: taskId, state: inherited, tryNumber: 0)
            }
            let failed = states.values.contains { $0 == .failed || $0 == .upstreamFailed }
            try await scheduler.markRunFinished(ref, state: failed ? .failed : .success)
            recordDuration(of: ref, state: failed ? .failed : .success, since: started)
        } catch is CancellationError {
            // Shutdown: the run stays as it is and is resumed by the next executor.
        } catch {
            logger.error("run \(ref) could not be executed: \(error)")
            try? await scheduler.markRunFinished(ref, state: .failed)
            recordDuration(of: ref, state: .failed, since: started)
        }
    }

    private func recordDuration(of ref: DagRunRef, state: DagRunState, since started: Date?) {
        guard let started else { return }
        let duration = Duration.seconds(scheduler.clock.date.timeIntervalSince(started))
        scheduler.metrics.runFinished(dagId: ref.dagId, state: state, duration: duration)
    }

    private func runTask(
        _ task: TaskDefinition, of run: DagRun,
        upstreamValues: [String: JSONValue]
    ) async throws -> (TaskState, JSONValue?) {
        let ref = run.ref
        var tryNumber = 0
        while true {
            tryNumber += 1
            try await scheduler.setTaskState(ref, taskId: task.taskId, state: .running, tryNumber: tryNumber)
            let attempt = tryNumber
            let context = TaskContext(
                dagId: ref.dagId, runId: ref.runId, taskId: task.taskId, tryNumber: tryNumber, conf: run.conf,
                triggeringAssetEvents: run.triggeringAssetEvents, upstreamValues: upstreamValues,
                clock: scheduler.clock, scheduler: scheduler, triggerer: triggerer,
                deferred: { [scheduler] isDeferred in
                    try? await scheduler.setTaskState(
                        ref, taskId: task.taskId,
                        state: isDeferred ? .deferred : .running, tryNumber: attempt)
                }, logicalDate: run.logicalDate)
            do {
                let output = try await task.body(context)
                try await emitOutlets(of: task, output: output, ref: ref)
                try await scheduler.setTaskState(
                    ref, taskId: task.taskId, state: .success, tryNumber: tryNumber,
                    returnValue: output.value == .null ? nil : output.value)
                return (.success, output.value)
            } catch let skip as TaskSkipped {
                try await scheduler.setTaskState(
                    ref, taskId: task.taskId, state: .skipped, tryNumber: tryNumber,
                    note: skip.reason)
                return (.skipped, nil)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                guard !Self.isFinal(error), tryNumber <= task.retry.retries else {
                    try await scheduler.setTaskState(
                        ref, taskId: task.taskId, state: .failed, tryNumber: tryNumber,
                        note: "\(error)")
                    return (.failed, nil)
                }
                try await scheduler.setTaskState(
                    ref, taskId: task.taskId, state: .upForRetry, tryNumber: tryNumber,
                    note: "\(error)")
                var random = SystemRandomNumberGenerator()
                try await scheduler.clock.sleep(for: task.retry.jitteredDelay(beforeTry: tryNumber + 1, using: &random))
            }
        }
    }

    /// Errors that fail a task at once, without its retries: timeouts (a trigger's, a sensor's) and an
    /// explicit `SensorFailed`, as Airflow does not retry `AirflowSensorTimeout` or `AirflowFailException`.
    static func isFinal(_ error: any Error) -> Bool {
        switch error {
        case TriggerError.timedOut, SensorError.timedOut, is SensorFailed: true
        default: false
        }
    }

    private func emitOutlets(of task: TaskDefinition, output: TaskOutput, ref: DagRunRef) async throws {
        let source = AssetEventSource.task(dagId: ref.dagId, runId: ref.runId, taskId: task.taskId)
        for asset in task.outlets {
            try await scheduler.recordAssetEvent(asset.key, extra: output.outletExtra[asset.key] ?? [:], source: source)
        }
        try await scheduler.recordAliasEvents(output.aliasEvents, source: source)  // one event per asset and extra
    }
}
