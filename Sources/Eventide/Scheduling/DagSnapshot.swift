/// What the scheduler's transactions need to know of an asset-scheduled DAG, taken once at registration (the
/// topological sort included): `DAG` itself holds closures and stays in the actor.
///
/// Its methods are the scheduler's decisions, pure functions of their arguments: which DAGs an event is queued
/// for and which runs a DAG's queue makes (`AssetRunPlanner`). Tests drive them without tasks or a database.
struct DagSnapshot: Sendable {
    let dagId: String
    let condition: AssetCondition
    let mode: AssetTriggerMode
    let maxActiveRuns: Int
    let taskIds: [String]
    /// `AssetAndTimeSchedule`: events alone create no run; the timetable opens the gate (`opened()`).
    var timeGated: Bool
    /// At most this many runs per evaluation (`nil`: up to the free run slots).
    var runLimit: Int?

    /// `nil` for a DAG that no asset schedules (or whose tasks have a cycle, refused when it was built).
    init?(_ dag: DAG) {
        guard let condition = dag.schedule.condition, let order = try? dag.topologicalOrder() else { return nil }
        dagId = dag.dagId
        self.condition = condition
        mode = dag.assetTriggering
        maxActiveRuns = dag.maxActiveRuns
        taskIds = order
        timeGated = dag.schedule.isTimeGated
        runLimit = nil
    }

    /// The snapshot as the timetable of an `AssetAndTimeSchedule` evaluates it when its time has come: not
    /// gated, one run at most.
    func opened() -> DagSnapshot {
        var snapshot = self
        snapshot.timeGated = false
        snapshot.runLimit = 1
        return snapshot
    }

    /// Whether an event of `asset` is queued for this DAG: its condition names the asset, or an alias that
    /// resolves to it.
    func waits(on asset: AssetKey, aliases: [String: Set<AssetKey>]) -> Bool {
        condition.assetKeys.contains(asset) || condition.aliasNames.contains { aliases[$0]?.contains(asset) ?? false }
    }

    /// The events of each run to create now, oldest run first, given the queue and the runs still active.
    func runsToCreate(
        queued: [AssetEvent], aliases: [String: Set<AssetKey>], references: [AssetReference: AssetKey] = [:],
        paused: Bool, activeRuns: Int
    ) -> [[AssetEvent]] {
        AssetRunPlanner.plan(
            condition: condition, mode: mode, queued: queued, aliases: aliases, references: references,
            capacity: paused || timeGated ? 0 : min(runLimit ?? .max, maxActiveRuns - activeRuns))
    }
}
