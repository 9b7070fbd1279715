/// Sensor tasks: a `TaskDefinition` whose body pokes a `Sensor` as its settings say.
///
/// ```swift
/// let dag = try DAG("load_orders", tasks: [
///     .sensor("wait_for_export", ExportReady(), settings: SensorSettings(mode: .reschedule, pokeInterval: .seconds(30))),
///     TaskDefinition("load", upstream: ["wait_for_export"]) { context in … context.upstreamValues["wait_for_export"] … },
/// ])
/// ```
extension TaskDefinition {
    /// A task that waits on `sensor`; it succeeds returning the done poke's `xcomValue`, fails with
    /// `SensorError.timedOut` after `settings.timeout` (skipped with `softFail`).
    public static func sensor(
        _ taskId: String, _ sensor: some Sensor, settings: SensorSettings = SensorSettings(),
        upstream: [String] = [], outlets: [Asset] = [], inlets: [Asset] = [], retry: RetryPolicy = .none
    ) -> TaskDefinition {
        TaskDefinition(taskId, upstream: upstream, outlets: outlets, inlets: inlets, retry: retry) { context in
            try await SensorRunner(sensor: sensor, settings: settings, context: context).run()
        }
    }

    /// A sensor task from a closure (Airflow's `PythonSensor`): `poke` is called until it is done.
    public static func sensor(
        _ taskId: String, settings: SensorSettings = SensorSettings(), upstream: [String] = [],
        outlets: [Asset] = [], retry: RetryPolicy = .none,
        poke: @escaping @Sendable (SensorContext) async throws -> PokeReturnValue
    ) -> TaskDefinition {
        sensor(taskId, PokeFunction(body: poke), settings: settings, upstream: upstream, outlets: outlets, retry: retry)
    }
}

/// A sensor made of a closure.
struct PokeFunction: Sensor {
    let body: @Sendable (SensorContext) async throws -> PokeReturnValue
    func poke(_ context: SensorContext) async throws -> PokeReturnValue { try await body(context) }
}
