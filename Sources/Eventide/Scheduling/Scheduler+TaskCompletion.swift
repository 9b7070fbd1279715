import GRDB

extension Scheduler {
    /// Marks a task instance `success` and records the asset events it emitted — one per outlet, then its
    /// emissions through aliases collapsed as `recordAliasEvents` collapses them — in one transaction, as Airflow
    /// registers a task's asset changes in the commit that marks it successful. Consumers are queued and their runs
    /// created in that same commit.
    ///
    /// So a task's events and its success are stored together or not at all: a task stopped before the commit (a
    /// killed process, a refused event) has recorded none of its events and runs again; one stopped after it has
    /// both and is not run again. Recorded one commit each, a task killed between its outlet's commit and its own
    /// ran again after recovery and emitted the outlet a second time: a second event, a second run of every consumer.
    ///
    /// `closingRun`: the task is the run's last, and the run ends in this state in the same commit (the executor's
    /// `markRunFinished` in one commit with the task's), so a consumer run its outlet creates cannot end before the
    /// run that made it.
    ///
    /// Throws the first refusal (an undeclared outlet, an event the store refuses); nothing is then stored.
    @discardableResult
    nonisolated(nonsending) func completeTask(
        _ ref: DagRunRef, taskId: String, tryNumber: Int, returnValue: JSONValue?,
        outlets: [(asset: AssetKey, extra: [String: JSONValue])], aliasEvents: [TaskOutput.AliasEvent],
        closingRun: DagRunState? = nil
    ) async throws -> [Recorded] {
        let source = AssetEventSource.task(dagId: ref.dagId, runId: ref.runId, taskId: taskId)
        let date = clock.date
        var requests: [RecordRequest] = []
        for outlet in outlets {
            guard storeCache.declares(outlet.asset) else {
                throw AssetError.undeclaredAsset(name: outlet.asset.name, uri: outlet.asset.uri, dag: ref.dagId)
            }
            requests.append(
                RecordRequest(asset: outlet.asset, extra: outlet.extra, source: source, aliases: [], timestamp: date))
        }
        for group in Self.collapse(aliasEvents) {  // assets emitted through an alias are dynamic: no declaration
            requests.append(
                RecordRequest(
                    asset: group.asset, extra: group.extra, source: source, aliases: group.aliases, timestamp: date))
        }
        let (resolution, generation) = storeCache.recordingResolution()
        let batch = requests
        let now = date.timeIntervalSince1970
        let written = try await database.pool.write { db in
            let written = try SchedulerStore.record(batch, in: db, resolution: resolution)
            let recorded = try written.outcomes.map { try $0.get() }  // one refused: the whole commit is undone
            _ = try SchedulerStore.setTaskState(
                db, ref, taskId: taskId, state: .success, tryNumber: tryNumber, note: nil, returnValue: returnValue,
                now: now)
            if let closingRun { try SchedulerStore.finishRun(db, ref, state: closingRun, now: now) }
            return (recorded: recorded, resolution: written.resolution)
        }
        storeCache.store(written.resolution, for: generation)
        for result in written.recorded {
            announce(result)
            countRecorded(result, source: source)
        }
        if let closingRun { try await runEnded(ref, state: closingRun) }
        return written.recorded
    }
}
