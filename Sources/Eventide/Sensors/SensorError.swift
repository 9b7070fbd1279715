/// What went wrong in a sensor task.
///
/// ```swift
/// do { _ = try SensorMode(name: "rescedule") } catch SensorError.unknownMode(let name) { … }
/// ```
public enum SensorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sensor's condition did not hold within its timeout, counted from its first poke (Airflow's
    /// `AirflowSensorTimeout`). Not retried; with `softFail` the task is skipped instead.
    case timedOut(taskId: String, after: Duration, pokes: Int)
    /// A mode name that is not `poke`, `reschedule` or `deferrable`.
    case unknownMode(String)
    /// The sensor runs in `deferrable` mode but gives no trigger to defer to.
    case notDeferrable(taskId: String)
    /// Settings or arguments that contradict each other (e.g. both `executionDelta` and `executionDateFn`).
    case invalidArguments(taskId: String, reason: String)
    /// The sensor needs its run's logical date (to find the other DAG's run), but the run has none: asset-
    /// triggered runs and manual runs triggered without one.
    case noLogicalDate(taskId: String, runId: String)

    public var description: String {
        switch self {
        case .timedOut(let taskId, let after, let pokes):
            "sensor '\(taskId)' timed out: its condition did not hold within \(after) of its first poke (\(pokes) "
                + "pokes). Raise the timeout, or set softFail to skip instead of failing."
        case .unknownMode(let name):
            "unknown sensor mode '\(name)'; the modes are "
                + SensorMode.allCases.map(\.rawValue).joined(separator: ", ") + "."
        case .notDeferrable(let taskId):
            "sensor '\(taskId)' runs in deferrable mode but its sensor returns no trigger; implement "
                + "trigger(_:) or use the poke or reschedule mode."
        case .invalidArguments(let taskId, let reason):
            "sensor '\(taskId)' has invalid arguments: \(reason)."
        case .noLogicalDate(let taskId, let runId):
            "sensor '\(taskId)' of run '\(runId)' needs the run's logical date to find the other DAG's run, but the "
                + "run has none (asset-triggered, or triggered without one); trigger it with a logical date."
        }
    }
}
