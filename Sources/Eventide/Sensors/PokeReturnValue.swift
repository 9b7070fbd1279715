/// What one poke of a sensor says (Airflow's `PokeReturnValue`): whether the condition holds, and the value the
/// sensor task returns when it does (its XCom `return_value`, which downstream tasks read in `upstreamValues`).
///
/// A Boolean converts, as Airflow's `poke` may return `True`/`False`:
///
/// ```swift
/// func poke(_ context: SensorContext) async throws -> PokeReturnValue {
///     guard let report = try await store.report(for: context.task.runId) else { return false }
///     return PokeReturnValue(isDone: true, xcomValue: ["rows": .number(Double(report.rows))])
/// }
/// ```
public struct PokeReturnValue: Sendable, Hashable, ExpressibleByBooleanLiteral {
    public var isDone: Bool
    /// The sensor task's return value once done; `nil` returns nothing.
    public var xcomValue: JSONValue?

    public init(isDone: Bool, xcomValue: JSONValue? = nil) {
        self.isDone = isDone
        self.xcomValue = xcomValue
    }

    public init(booleanLiteral value: Bool) { self.init(isDone: value) }

    /// Not yet: the sensor waits and pokes again.
    public static let notDone = PokeReturnValue(isDone: false)

    /// Done, returning `value` to downstream tasks.
    public static func done(_ value: JSONValue? = nil) -> PokeReturnValue {
        PokeReturnValue(isDone: true, xcomValue: value)
    }
}
