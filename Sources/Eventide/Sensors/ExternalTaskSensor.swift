import Foundation

/// Waits for another DAG's run, tasks or task group at an aligned logical date (Airflow's `ExternalTaskSensor`).
///
/// The run it looks at has the other DAG's logical date equal to this run's logical date, or to
/// `logicalDate - executionDelta`, or to each date `executionDateFn` returns (give one of the two, not both).
/// It is done when every looked-at run (or task) is in `allowedStates`; it fails at once (`SensorFailed`, skipped
/// with `softFail`) when one is in `failedStates`, and skips when one is in `skippedStates` — instead of waiting
/// out the timeout. A missing run counts as not yet. A task group is the tasks whose ids start with
/// `"<group>."` (Airflow's `TaskGroup` prefix). Runs without a logical date (asset-triggered ones) cannot be
/// aligned: the sensor fails with `SensorError.noLogicalDate`. In deferrable mode the check runs in the
/// triggerer every `pokeInterval` (as Airflow's `WorkflowTrigger` does), holding no worker slot.
///
/// ```swift
/// let waitForLoad = try ExternalTaskSensor(
///     externalDagId: "load_orders", externalTaskIds: ["load"], executionDelta: .seconds(3600),
///     failedStates: [.failed, .upstreamFailed])
/// TaskDefinition.sensor("wait_for_load", waitForLoad, settings: SensorSettings(mode: .reschedule))
/// ```
public struct ExternalTaskSensor: Sensor {
    /// What it waits for in the other DAG.
    public enum Target: Sendable, Hashable {
        case dagRun
        case tasks([String])
        case taskGroup(String)
    }

    /// How the looked-at runs stand.
    public enum Verdict: String, Sendable, Hashable, Codable {
        case waiting, allowed, failed, skipped
    }

    public let externalDagId: String
    public let target: Target
    public let allowedStates: Set<TaskState>
    public let failedStates: Set<TaskState>
    public let skippedStates: Set<TaskState>
    public let executionDelta: Duration?
    public let executionDateFn: (@Sendable (Date) -> [Date])?

    /// States are task states; for a DAG-run target, a run's state by the same name (`success`, `failed`, …).
    /// Refused (`SensorError.invalidArguments`): both `executionDelta` and `executionDateFn`, both task ids and
    /// a task group, and a state in more than one of the three sets.
    public init(
        externalDagId: String, externalTaskIds: [String] = [], externalTaskGroupId: String? = nil,
        allowedStates: Set<TaskState> = [.success], failedStates: Set<TaskState> = [],
        skippedStates: Set<TaskState> = [], executionDelta: Duration? = nil,
        executionDateFn: (@Sendable (Date) -> [Date])? = nil
    ) throws(SensorError) {
        let name = "ExternalTaskSensor(\(externalDagId))"
        if executionDelta != nil, executionDateFn != nil {
            throw .invalidArguments(taskId: name, reason: "give executionDelta or executionDateFn, not both")
        }
        if !externalTaskIds.isEmpty, externalTaskGroupId != nil {
            throw .invalidArguments(taskId: name, reason: "give externalTaskIds or externalTaskGroupId, not both")
        }
        let overlap =
            allowedStates.intersection(failedStates).union(allowedStates.intersection(skippedStates))
            .union(failedStates.intersection(skippedStates))
        if !overlap.isEmpty {
            throw .invalidArguments(
                taskId: name,
                reason: "states in more than one of allowed, failed and skipped: "
                    + overlap.map(\.rawValue).sorted().joined(separator: ", "))
        }
        self.externalDagId = externalDagId
        if let group = externalTaskGroupId {
            target = .taskGroup(group)
        } else {
            target = externalTaskIds.isEmpty ? .dagRun : .tasks(externalTaskIds)
        }
        self.allowedStates = allowedStates
        self.failedStates = failedStates
        self.skippedStates = skippedStates
        self.executionDelta = executionDelta
        self.executionDateFn = executionDateFn
    }

    /// The other DAG's logical dates this run looks at.
    public func dates(for logicalDate: Date) -> [Date] {
        if let executionDateFn { return executionDateFn(logicalDate) }
        return [logicalDate.addingTimeInterval(-(executionDelta ?? .zero).inSeconds)]
    }

    public func poke(_ context: SensorContext) async throws -> PokeReturnValue {
        try Self.outcome(try await verdict(context), dates: try dates(context))
    }

    public func trigger(_ context: SensorContext) async throws -> (any Trigger)? {
        let dates = try dates(context)
        return ExternalTaskTrigger(
            sensor: self, dates: dates, scheduler: context.task.scheduler, interval: context.settings.pokeInterval)
    }

    public func complete(_ event: TriggerEvent, context: SensorContext) async throws -> PokeReturnValue {
        let verdict = event.payload["verdict"]?.stringValue.flatMap(Verdict.init(rawValue:)) ?? .waiting
        return try Self.outcome(verdict, dates: try dates(context))
    }

    private func dates(_ context: SensorContext) throws -> [Date] {
        guard let logicalDate = context.logicalDate else {
            throw SensorError.noLogicalDate(taskId: context.task.taskId, runId: context.task.runId)
        }
        return dates(for: logicalDate)
    }

    private func verdict(_ context: SensorContext) async throws -> Verdict {
        try await verdict(at: try dates(context), scheduler: context.task.scheduler)
    }

    static func outcome(_ verdict: Verdict, dates: [Date]) throws -> PokeReturnValue {
        switch verdict {
        case .waiting: return false
        case .allowed: return .done(["dates": .array(dates.map { .string(EventTime.format($0)) })])
        case .failed: throw SensorFailed("the external run or task is in a failed state")
        case .skipped: throw TaskSkipped("the external run or task is in a skipped state")
        }
    }

    /// How the other DAG's runs at `dates` stand (missing runs or tasks: waiting).
    func verdict(at dates: [Date], scheduler: Scheduler) async throws -> Verdict {
        let runs = try await scheduler.runs(of: externalDagId)
        var states: [TaskState?] = []
        for date in dates {
            let run = runs.first { $0.logicalDate == date }
            switch target {
            case .dagRun:
                states.append(run.flatMap { TaskState(rawValue: $0.state.rawValue) })
            case .tasks(let ids):
                states += ids.map { id in run?.task(id)?.state }
            case .taskGroup(let group):
                let members = run?.taskInstances.filter { $0.taskId.hasPrefix(group + ".") } ?? []
                states += members.isEmpty ? [nil] : members.map(\.state)
            }
        }
        if states.contains(where: { $0.map(failedStates.contains) ?? false }) { return .failed }
        if states.contains(where: { $0.map(skippedStates.contains) ?? false }) { return .skipped }
        if states.allSatisfy({ $0.map(allowedStates.contains) ?? false }) { return .allowed }
        return .waiting
    }
}

/// The deferrable form of `ExternalTaskSensor`: checks the store every `interval` on the scheduler's clock in the
/// triggerer, and fires once the verdict is no longer `waiting`.
struct ExternalTaskTrigger: Trigger {
    let sensor: ExternalTaskSensor
    let dates: [Date]
    let scheduler: Scheduler
    let interval: Duration

    var description: String { "ExternalTaskTrigger(\(sensor.externalDagId), every \(interval))" }

    func events() throws -> AsyncThrowingStream<TriggerEvent, any Error> {
        let (sensor, dates, scheduler, interval) = (sensor, dates, scheduler, interval)
        return AsyncThrowingStream {
            while true {
                let verdict = try await sensor.verdict(at: dates, scheduler: scheduler)
                if verdict != .waiting { return TriggerEvent(payload: ["verdict": .string(verdict.rawValue)]) }
                try await scheduler.clock.sleep(for: interval)
            }
        }
    }
}
