import GRDB

/// Who consumes an asset: the unpaused DAGs whose schedule names it. Watchers follow them (`Triggerer`).
extension Scheduler {
    /// Each asset that the schedule of at least one unpaused DAG names (directly or by a reference that resolves
    /// to it now), with those DAGs' ids, sorted. Aliases resolve only when events are emitted through them, so they
    /// make no consumer here.
    public func activeConsumers() async throws -> [AssetKey: [String]] {
        let scheduled = dags.values.compactMap { dag in dag.schedule.condition.map { (dag.dagId, $0) } }
        guard !scheduled.isEmpty else { return [:] }
        let (paused, references) = try await database.pool.read { db in
            (
                Set(try String.fetchAll(db, sql: "SELECT dag_id FROM dag WHERE is_paused")),
                try SchedulerStore.referenceResolution(db, for: scheduled.map(\.1))
            )
        }
        var consumers: [AssetKey: [String]] = [:]
        for (dagId, condition) in scheduled where !paused.contains(dagId) {
            let named = condition.assetKeys.union(condition.references.compactMap { references[$0] })
            for key in named { consumers[key, default: []].append(dagId) }
        }
        return consumers.mapValues { $0.sorted() }
    }

    /// Wakes on every change of who consumes what (a DAG registered, paused or unpaused) from now on.
    public nonisolated func consumerChanges() -> AsyncStream<Void> { consumersChanged.subscribe(bufferLimit: 1) }
}
