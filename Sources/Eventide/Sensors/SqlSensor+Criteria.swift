extension SqlSensor {
    /// How the first cell of a query decides (Airflow's `success`, `failure` and `fail_on_empty`): a plain
    /// function of the rows, tested without a database.
    ///
    /// 1. no row: `failOnEmpty` fails, otherwise not yet;
    /// 2. `failure(cell)` holds: fails (checked before `success`);
    /// 3. `success(cell)` decides when given; otherwise the cell's truthiness does.
    public struct Criteria: Sendable {
        public var success: (@Sendable (JSONValue) -> Bool)?
        public var failure: (@Sendable (JSONValue) -> Bool)?
        public var failOnEmpty: Bool

        public init(
            success: (@Sendable (JSONValue) -> Bool)? = nil, failure: (@Sendable (JSONValue) -> Bool)? = nil,
            failOnEmpty: Bool = false
        ) {
            self.success = success
            self.failure = failure
            self.failOnEmpty = failOnEmpty
        }

        public func decide(_ rows: Rows) -> Verdict {
            guard let cell = rows.firstCell else { return failOnEmpty ? .failed(.noRows) : .notYet }
            if let failure, failure(cell) { return .failed(.failureCriteriaMet(cell)) }
            if let success { return success(cell) ? .done : .notYet }
            return Self.isTruthy(cell) ? .done : .notYet
        }

        /// Airflow's reading of a first cell without `success`: `NULL`, `0`, `'0'`, `''` and false are not done.
        public static func isTruthy(_ cell: JSONValue) -> Bool {
            switch cell {
            case .null: false
            case .bool(let flag): flag
            case .number(let number): number != 0
            case .string(let text): !(text.isEmpty || text == "0")
            case .array, .object: true
            }
        }
    }

    /// One poke's decision.
    public enum Verdict: Sendable, Hashable {
        case notYet
        case done
        case failed(Failure)
    }

    /// Why a `SqlSensor` fails at once (its task fails with `SensorFailed`, or is skipped with `softFail`).
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The query returned no row and `failOnEmpty` is set.
        case noRows
        /// `failure` held for the first cell.
        case failureCriteriaMet(JSONValue)
        /// The statement writes: the sensor's query runs read-only.
        case writeRefused(sql: String, reason: String)

        public var description: String {
            switch self {
            case .noRows:
                "the sensor's query returned no row and failOnEmpty is set; check the query's filter, or unset "
                    + "failOnEmpty to wait for a row"
            case .failureCriteriaMet(let cell):
                "the failure criterion holds for the first cell (\(cell.jsonText)): the condition can no longer hold"
            case .writeRefused(let sql, let reason):
                "a sensor's query runs read-only and this one writes (\(reason)): \(sql); move the write into a task"
            }
        }
    }
}
