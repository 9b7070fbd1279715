import Eventide
import Foundation

/// Cross-DAG dependencies: reports that wait for the daily `load_orders` run of the same (or an aligned)
/// logical date, with Airflow's `ExternalTaskSensor`.
enum ExternalTaskSensorExample {
    // [START upstream]
    /// The DAG others wait for: extract, a `quality` task group, load. `conf: {"fail": true}` makes load fail.
    static func loadOrders() throws -> DAG {
        try DAG(
            "load_orders",
            tasks: [
                TaskDefinition("extract") { _ in .none },
                TaskDefinition("quality.rows", upstream: ["extract"]) { _ in .none },
                TaskDefinition("quality.nulls", upstream: ["extract"]) { _ in .none },
                TaskDefinition("load", upstream: ["quality.rows", "quality.nulls"]) { context in
                    if context.conf["fail"] == true { throw LoadFailed() }
                    return TaskOutput(value: "loaded")
                },
            ])
    }

    struct LoadFailed: Error {}
    // [END upstream]

    // [START sensors]
    /// A DAG whose first task waits on `load_orders` as `sensor` says, then builds the report.
    static func report(
        _ dagId: String, _ sensor: ExternalTaskSensor, _ settings: SensorSettings,
        schedule: Schedule = .none
    ) throws -> DAG {
        try DAG(
            dagId, schedule: schedule,
            tasks: [
                .sensor("wait_for_load_orders", sensor, settings: settings),
                TaskDefinition("build_report", upstream: ["wait_for_load_orders"]) { _ in TaskOutput(value: "built") },
            ])
    }

    /// Same logical date, waiting for the `load` task.
    static func sameDate() throws -> ExternalTaskSensor {
        try ExternalTaskSensor(externalDagId: "load_orders", externalTaskIds: ["load"])
    }
    /// The run one hour earlier (an hourly report on a daily load shifted by an hour).
    static func hourEarlier() throws -> ExternalTaskSensor {
        try ExternalTaskSensor(externalDagId: "load_orders", executionDelta: .seconds(3600))
    }
    /// The `quality` task group of today's and yesterday's runs.
    static func twoDays() throws -> ExternalTaskSensor {
        try ExternalTaskSensor(
            externalDagId: "load_orders", externalTaskGroupId: "quality",
            executionDateFn: { [$0, $0.addingTimeInterval(-86_400)] })
    }
    /// Fails at once when load failed, instead of waiting out the timeout.
    static func failFast() throws -> ExternalTaskSensor {
        try ExternalTaskSensor(
            externalDagId: "load_orders", externalTaskIds: ["load"], failedStates: [.failed, .upstreamFailed])
    }
    // [END sensors]
}
