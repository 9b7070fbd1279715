/// What is wrong with a combined (asset and time) schedule.
public enum ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The timetable of an `AssetOrTimeSchedule` or `AssetAndTimeSchedule` is itself asset-based (`kind` says
    /// which: `assets`, `asset_or_time`, `asset_and_time`). Airflow refuses this too
    /// (`AirflowTimetableInvalid`).
    case nestedAssetSchedule(kind: String)
    /// The timetable never fires: `.none`, or an interval that is not positive.
    case timetableNeverFires

    public var description: String {
        switch self {
        case .nestedAssetSchedule(let kind):
            "the timetable of a combined schedule is itself asset-based (\(kind)); pass a time-based timetable "
                + "such as .interval(.hours(1)) and put every asset in `assets`."
        case .timetableNeverFires:
            "the timetable of a combined schedule never fires (.none or a non-positive interval); pass "
                + ".interval(d) with d > 0, or schedule on the assets alone."
        }
    }
}
