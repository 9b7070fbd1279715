/// A DAG that runs when its time has come AND its asset condition holds (Airflow's `AssetAndTimeSchedule`,
/// whose scheduled runs are "asset gated").
///
/// Each tick of the timetable opens the gate; the run is created at the first moment the gate is open and the
/// events queued for the DAG satisfy the condition: at the tick itself if they already do, else when the event
/// that completes the condition is recorded. That run is a `scheduled` run that consumes the queued events (they
/// are its triggering events); the gate then closes until the next tick. At most one run per tick: ticks that
/// pass while the gate is still open (the condition never held) do not pile up, and ticks that come while the
/// DAG is paused are skipped. Events alone never create a run.
///
/// Ours where Airflow's is silent: the open gate lives in the timetable's task (a restart closes it until the
/// next tick, the queued events stay queued), and a run is also attempted when a run of the DAG finishes or the
/// DAG is unpaused while the gate is open.
///
/// ```swift
/// let settle = try DAG("settle", schedule: .assetAndTime(try AssetAndTimeSchedule(
///     timetable: .interval(.hours(1)), assets: trades & prices)), tasks: [...])
/// ```
public struct AssetAndTimeSchedule: Sendable, Hashable {
    /// The timetable's period (our timetables are intervals on the scheduler's clock).
    public let interval: Duration
    public let condition: AssetCondition

    public init(timetable: Schedule, assets: some AssetConditionConvertible) throws(ScheduleError) {
        interval = try AssetOrTimeSchedule.period(of: timetable)
        condition = assets.assetCondition
    }

    /// Airflow's `assets=[a, b]`: all of them.
    public init(timetable: Schedule, assets: [Asset]) throws(ScheduleError) {
        try self.init(timetable: timetable, assets: AssetCondition(schedule: assets))
    }
}
