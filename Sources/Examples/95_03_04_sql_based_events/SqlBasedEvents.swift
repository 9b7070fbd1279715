import Eventide

/// 95.3.4 — SQL conditions as events: `SqlSensor` pokes a query whose first cell decides (`success`, `failure`,
/// `failOnEmpty`); a row-count threshold, a flag table the producer sets, and query rows handed to the next task.
// Longer than one screen: four sensors (the anti-pattern and three fixes) and the two DAG shapes that use them.
enum SqlBasedEvents {
    // [START sensors]
    /// Tables of one run (`suffix` keeps runs apart on a shared Postgres).
    struct Tables: Sendable {
        let rows, flags, orders: String
        init(suffix: String) { (rows, flags, orders) = ("load_rows\(suffix)", "load_flag\(suffix)", "orders\(suffix)") }
    }

    /// Anti-pattern: "some rows exist" (the first cell is truthy). Fires at the first committed batch of a load.
    static func anyRows(_ source: some SqlSensor.Source, _ t: Tables, batch: String) -> SqlSensor {
        SqlSensor(
            on: source, sql: "SELECT COUNT(*) FROM \(t.rows) WHERE batch = $1", parameters: [.string(batch)],
            handoff: .firstCell)
    }

    /// A row-count threshold: done once the batch has all its rows.
    static func rowCount(_ source: some SqlSensor.Source, _ t: Tables, batch: String, expected: Int) -> SqlSensor {
        .rowCount(on: source, table: t.rows, filter: "batch = $1", parameters: [.string(batch)], atLeast: expected)
    }

    /// The flag the producer sets with its last batch: done, failed (fail now), or no row yet (wait, or fail
    /// with `failOnEmpty` when the batch should be registered already). Hands the flag row on.
    static func flag(_ source: some SqlSensor.Source, _ t: Tables, batch: String, failOnEmpty: Bool = false)
        -> SqlSensor
    {
        SqlSensor(
            on: source, sql: "SELECT status, row_count FROM \(t.flags) WHERE batch = $1", parameters: [.string(batch)],
            criteria: .init(success: { $0 == "done" }, failure: { $0 == "failed" }, failOnEmpty: failOnEmpty),
            handoff: .firstRow)
    }

    /// Query results as the event: the paid orders not exported yet, every row handed to the next task.
    static func paidOrders(_ source: some SqlSensor.Source, _ t: Tables) -> SqlSensor {
        SqlSensor(
            on: source, sql: "SELECT id, amount FROM \(t.orders) WHERE status = 'paid' AND exported = 0 ORDER BY id",
            handoff: .allRows)
    }
    // [END sensors]

    // [START dags]
    /// A sensor task, then `report`, which counts the batch's rows itself: what a consumer really reads.
    static func report(
        _ dagId: String, wait sensor: SqlSensor, settings: SensorSettings, warehouse: any Warehouse, _ t: Tables,
        batch: String
    ) throws -> DAG {
        try DAG(
            dagId,
            tasks: [
                .sensor("wait", sensor, settings: settings),
                TaskDefinition("report", upstream: ["wait"]) { context in
                    let count = try await warehouse.source.rows(
                        "SELECT COUNT(*) FROM \(t.rows) WHERE batch = $1", parameters: [.string(batch)])
                    return TaskOutput(value: [
                        "rows_read": count.firstCell ?? .null, "sensor": context.upstreamValues["wait"] ?? .null,
                    ])
                },
            ])
    }

    /// The paid orders the sensor returned are exported (marked) by the next task: each order once.
    static func exportPaid(_ source: some SqlSensor.Source, warehouse: any Warehouse, _ t: Tables) throws -> DAG {
        try DAG(
            "export_paid_orders",
            tasks: [
                .sensor(
                    "wait_paid", paidOrders(source, t),
                    settings: SensorSettings(pokeInterval: .milliseconds(20), timeout: .seconds(10))),
                TaskDefinition("export", upstream: ["wait_paid"]) { context in
                    let ids = (context.upstreamValues["wait_paid"]?.arrayValue ?? []).compactMap { $0["id"] ?? nil }
                    for id in ids {
                        try await warehouse.execute("UPDATE \(t.orders) SET exported = 1 WHERE id = $1", [id])
                    }
                    return TaskOutput(value: .array(ids))
                },
            ])
    }
    // [END dags]
}
