/// Thrown by a sensor to fail at once without waiting out its timeout (Airflow's `AirflowFailException` in a
/// sensor): the condition can no longer hold, e.g. the upstream DAG run it waits for failed. Not retried; with
/// `softFail` the task ends `skipped`.
///
/// ```swift
/// if state == .failed { throw SensorFailed("the upstream run failed") }
/// ```
public struct SensorFailed: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "sensor failed: \(reason)" }
}
