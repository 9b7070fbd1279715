/// Airflow 3's `AssetOrTimeSchedule(timetable=…, assets=…)`: a DAG that runs on its timetable AND whenever its
/// asset condition holds, whichever comes first.
///
/// The two kinds of run stay apart, as in Airflow: a tick of the timetable creates a `scheduled` run that consumes
/// no asset event (the queue is left as it is), and the condition holding creates an `asset_triggered` run that
/// consumes the events queued for the DAG, exactly as `Schedule.on(…)` does. Nesting an asset schedule as the
/// timetable is refused (`ScheduleError.nestedAssetSchedule`), as Airflow's `validate()` refuses it.
///
/// ```swift
/// let report = try DAG("report", schedule: .assetOrTime(try AssetOrTimeSchedule(
///     timetable: .interval(.hours(24)), assets: orders | refunds)), tasks: [...])
/// ```
public struct AssetOrTimeSchedule: Sendable, Hashable {
    /// The timetable's period (our timetables are intervals on the scheduler's clock).
    public let interval: Duration
    public let condition: AssetCondition

    public init(timetable: Schedule, assets: some AssetConditionConvertible) throws(ScheduleError) {
        interval = try Self.period(of: timetable)
        condition = assets.assetCondition
    }

    /// Airflow's `assets=[a, b]`: all of them.
    public init(timetable: Schedule, assets: [Asset]) throws(ScheduleError) {
        try self.init(timetable: timetable, assets: AssetCondition(schedule: assets))
    }

    /// The period of a time-based timetable; asset-based ones and timetables that never fire are refused.
    static func period(of timetable: Schedule) throws(ScheduleError) -> Duration {
        switch timetable {
        case .interval(let interval) where interval > .zero: return interval
        case .none, .interval: throw .timetableNeverFires
        case .assets: throw .nestedAssetSchedule(kind: "assets")
        case .assetOrTime: throw .nestedAssetSchedule(kind: "asset_or_time")
        case .assetAndTime: throw .nestedAssetSchedule(kind: "asset_and_time")
        }
    }
}
