/// The timetable's side of `AssetAndTimeSchedule`.
extension Scheduler {
    /// Opens the time gate of an `AssetAndTimeSchedule` DAG once: if the events queued for it satisfy its
    /// condition now (and it is unpaused, under its active-run limit), creates one `scheduled` run that consumes
    /// them. Returns the run created, if any. Called by the timetable when the DAG's time has come and, while the
    /// gate stays open, whenever something that could complete the condition happens.
    @discardableResult
    func openTimeGate(of dagId: String) async throws -> [DagRunRef] {
        guard let snapshot = snapshots[dagId]?.opened() else { return [] }
        let now = clock.date
        let runs = try await database.pool.write { db in
            try SchedulerStore.createRuns(
                db, snapshot, aliases: try SchedulerStore.aliasResolution(db),
                references: try SchedulerStore.referenceResolution(db, for: [snapshot.condition]), now: now,
                runType: .scheduled)
        }
        for run in runs { created.publish(run) }
        metrics.runsCreated(runs, type: .scheduled)
        return runs
    }
}
