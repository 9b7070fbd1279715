/// A sensor: a task that waits until a condition holds (Airflow's `BaseSensorOperator`).
///
/// Implement `poke`: one check, returning whether the condition holds and, when it does, the value the task
/// returns. The runtime calls it again after each wait, as `SensorSettings` say (poke, reschedule or
/// deferrable mode; interval, backoff, timeout, soft fail). Throw `SensorFailed` when the condition can no
/// longer hold. For the deferrable mode, also return a trigger from `trigger(_:)`: the task defers to it in
/// the triggerer, holding no worker slot, and `complete(_:context:)` turns its first event into the result
/// (Airflow's `execute_complete`).
///
/// ```swift
/// struct ReportReady: Sensor {
///     let folder: URL
///     func poke(_ context: SensorContext) async throws -> PokeReturnValue {
///         let report = folder.appending(path: "report.json")
///         guard let data = try? Data(contentsOf: report) else { return false }
///         return .done(try JSONDecoder().decode(JSONValue.self, from: data))
///     }
///     func trigger(_ context: SensorContext) async throws -> (any Trigger)? {
///         FileArrivalTrigger(directory: folder, suffixes: ["report.json"], clock: context.clock)
///     }
/// }
/// let wait = TaskDefinition.sensor("wait_report", ReportReady(folder: inbox),
///                                  settings: SensorSettings(mode: .deferrable, timeout: .seconds(3600)))
/// ```
public protocol Sensor: Sendable {
    /// One check of the condition.
    func poke(_ context: SensorContext) async throws -> PokeReturnValue
    /// The trigger the deferrable mode defers to; `nil` (the default): this sensor cannot defer.
    func trigger(_ context: SensorContext) async throws -> (any Trigger)?
    /// Turns the deferred trigger's first event into the result; by default done, returning the event's payload.
    /// Not done: the sensor pokes again.
    func complete(_ event: TriggerEvent, context: SensorContext) async throws -> PokeReturnValue
}

extension Sensor {
    public func trigger(_ context: SensorContext) async throws -> (any Trigger)? { nil }

    public func complete(_ event: TriggerEvent, context: SensorContext) async throws -> PokeReturnValue {
        .done(event.payload)
    }
}
