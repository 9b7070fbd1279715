/// When a DAG runs.
public enum Schedule: Sendable {
    /// Only when triggered (manually, by the API, by a webhook).
    case none
    /// When the asset condition holds over asset events queued since the DAG's last asset-triggered run.
    case assets(AssetCondition)
    /// Every `interval`, measured by the scheduler's clock.
    case interval(Duration)
    /// On the timetable (`scheduled` runs) and also whenever the asset condition holds (`asset_triggered` runs),
    /// as Airflow's `AssetOrTimeSchedule`.
    case assetOrTime(AssetOrTimeSchedule)
    /// Only when the timetable's time has come and the asset condition holds (Airflow's `AssetAndTimeSchedule`).
    case assetAndTime(AssetAndTimeSchedule)

    /// Airflow's `schedule=[a, b]`: all of the assets.
    public static func on(_ assets: [Asset]) -> Schedule { .assets(AssetCondition(schedule: assets)) }
    public static func on(_ condition: some AssetConditionConvertible) -> Schedule {
        .assets(condition.assetCondition)
    }

    /// The asset condition the DAG waits on: its events are queued for the DAG (for every schedule but `.none`
    /// and `.interval`).
    public var condition: AssetCondition? {
        switch self {
        case .assets(let condition): condition
        case .assetOrTime(let schedule): schedule.condition
        case .assetAndTime(let schedule): schedule.condition
        case .none, .interval: nil
        }
    }

    /// The period of the timetable, if the schedule has one.
    public var period: Duration? {
        switch self {
        case .interval(let interval): interval
        case .assetOrTime(let schedule): schedule.interval
        case .assetAndTime(let schedule): schedule.interval
        case .none, .assets: nil
        }
    }

    /// Whether asset events create runs only once the timetable's time has come (`assetAndTime`).
    public var isTimeGated: Bool {
        if case .assetAndTime = self { return true }
        return false
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
