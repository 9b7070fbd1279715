/// When a DAG runs.
public enum Schedule: Sendable {
    /// Only when triggered (manually, by the API, by a webhook).
    case none
    /// When the asset condition holds over asset events queued since the DAG's last asset-triggered run.
    case assets(AssetCondition)
    /// Every `interval`, measured by the scheduler's clock.
    case interval(Duration)

    /// Airflow's `schedule=[a, b]`: all of the assets.
    public static func on(_ assets: [Asset]) -> Schedule { .assets(AssetCondition(schedule: assets)) }
    public static func on(_ condition: some AssetConditionConvertible) -> Schedule {
        .assets(condition.assetCondition)
    }

    public var condition: AssetCondition? {
        if case .assets(let condition) = self { return condition }
        return nil
    }
}

/// How an asset-scheduled DAG turns queued asset events into runs.
public enum AssetTriggerMode: String, Sendable, Codable {
    /// Airflow's behaviour: when the condition holds, one run consumes every event queued so far.
    case batched
    /// One run per satisfying set of events: each event is consumed by exactly one run, in arrival order.
    /// For `a | b` every event gets its own run; for `a & b` the oldest `a` pairs with the oldest `b`.
    case perEvent = "per_event"
}
