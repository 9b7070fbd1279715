/// Waits until a SQL query says so (Airflow's `SqlSensor`): each poke runs `sql`, read-only, and the first cell of
/// its first row decides, through `criteria` (`success`/`failure` callables, `failOnEmpty`).
///
/// Without callables the sensor is done when that cell is truthy (not `NULL`, `0`, `'0'`, `''` or false, as
/// Airflow reads it). `failure` holding, or no row with `failOnEmpty`, fails the task at once (`SensorFailed`:
/// not retried, skipped with `softFail`). `handoff` chooses what the sensor task returns to downstream tasks.
///
/// The query runs in a read-only transaction (a read-only SQLite connection of the store; `READ ONLY` on
/// Postgres), so a statement that writes is refused by the database and fails the task
/// (`SqlSensor.Failure.writeRefused`): a sensor pokes many times, and a write would run at every poke.
///
/// ```swift
/// let flag = SqlSensor(
///     on: .sqlite(database), sql: "SELECT status, rows FROM load_flag WHERE batch = ?", parameters: ["b-7"],
///     criteria: .init(success: { $0 == "done" }, failure: { $0 == "failed" }, failOnEmpty: true),
///     handoff: .firstRow)
/// TaskDefinition.sensor("wait_flag", flag, settings: SensorSettings(pokeInterval: .seconds(30)))
/// ```
public struct SqlSensor: Sensor {
    public let source: any Source
    public let sql: String
    public let parameters: [JSONValue]
    public let criteria: Criteria
    public let handoff: Handoff

    public init(
        on source: some Source, sql: String, parameters: [JSONValue] = [], criteria: Criteria = Criteria(),
        handoff: Handoff = .none
    ) {
        self.source = source
        self.sql = sql
        self.parameters = parameters
        self.criteria = criteria
        self.handoff = handoff
    }

    /// Waits until `table` holds at least `threshold` rows matching `filter` (a SQL condition, e.g.
    /// `"batch = ?"`); the sensor returns the count. `table` and `filter` are SQL text: never user input.
    public static func rowCount(
        on source: some Source, table: String, filter: String? = nil, parameters: [JSONValue] = [],
        atLeast threshold: Int
    ) -> SqlSensor {
        SqlSensor(
            on: source, sql: "SELECT COUNT(*) FROM \(table)" + (filter.map { " WHERE \($0)" } ?? ""),
            parameters: parameters,
            criteria: Criteria(success: { ($0.doubleValue ?? 0) >= Double(threshold) }), handoff: .firstCell)
    }

    public func poke(_ context: SensorContext) async throws -> PokeReturnValue {
        let rows = try await source.rows(sql, parameters: parameters)
        switch criteria.decide(rows) {
        case .notYet: return .notDone
        case .done: return .done(handoff.value(of: rows))
        case .failed(let failure): throw SensorFailed(failure.description)
        }
    }
}
